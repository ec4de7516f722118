/**
 * `sso-setup completion bash|zsh|fish`: prints a shell completion script.
 *
 * The commands and flags come from the command tree itself when the script is printed, so a command
 * or flag added later appears without touching this file. Profile and sso-session names change
 * between key presses, so the script does not carry them: at each Tab it asks
 * `sso-setup completion --list profiles|sso-sessions`, which reads the config and prints one name a
 * line. That path reads one file and loads neither the AWS SDK nor the prompt library, and it never
 * fails loudly: a completion that prints errors into the person's command line is worse than none.
 */
import { Argument, Command, Option } from "commander";
import { listNames, NAME_LISTS, type NameList } from "../config/name-lists.js";
import type { Deps } from "../deps.js";
import { UsageError } from "../errors.js";
import { epilogue } from "../ui/help-text.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** What may follow a flag that takes a value. */
export type ValueSpec =
  | { kind: "profiles" }
  | { kind: "sso-sessions" }
  | { kind: "files" }
  | { kind: "choices"; choices: string[] }
  | { kind: "any" };

export interface FlagSpec {
  short: string | undefined;
  long: string | undefined;
  description: string;
  /** The placeholder of the value (`name` in `--profile <name>`), for zsh's messages. */
  valueName: string;
  /** Undefined for a switch; set when the flag must be followed by a value. */
  value: ValueSpec | undefined;
}

export interface ArgSpec {
  name: string;
  choices: string[] | undefined;
  variadic: boolean;
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  /** Names from the root's first subcommand down to this one; empty for the root. */
  path: string[];
  description: string;
  flags: FlagSpec[];
  args: ArgSpec[];
  subcommands: CommandSpec[];
}

export interface CompletionOptions {
  shell: Shell | undefined;
  list: NameList | undefined;
  configFile: string | undefined;
  /** The command tree to complete, described when the command runs (after every command was added). */
  tree: () => CommandSpec;
}

export function completionCommand(
  deps: Deps,
  root: Command,
  run: (opts: CompletionOptions, deps: Deps) => Promise<void> = runCompletion,
): Command {
  return new Command("completion")
    .description("Print a shell completion script (commands, flags, profile and sso-session names)")
    .addArgument(new Argument("[shell]", "the shell to complete for").choices(SHELLS))
    // The script's callback for names. Hidden: it is an interface between sso-setup and its own script.
    .addOption(new Option("--list <names>", "print the profile or sso-session names of the config, one a line").choices(NAME_LISTS).hideHelp())
    .addOption(new Option("--config-file <path>", "the AWS config file to read names from").hideHelp())
    .addHelpText(
      "after",
      epilogue(`
Profile and sso-session names are read from the config each time Tab is pressed, so the script
never goes stale; reinstall it only after upgrading sso-setup.

Install:
  bash  add to ~/.bashrc:
          source <(sso-setup completion bash)
  zsh   add to ~/.zshrc, after compinit:
          source <(sso-setup completion zsh)
        or save it on $fpath:
          sso-setup completion zsh > "\${fpath[1]}/_sso-setup"
  fish  save it:
          sso-setup completion fish > ~/.config/fish/completions/sso-setup.fish`),
    )
    .action(async (shell: Shell | undefined, flags: { list?: NameList; configFile?: string }) => {
      await run({ shell, list: flags.list, configFile: flags.configFile, tree: () => describeCommandTree(root) }, deps);
    });
}

export async function runCompletion(opts: CompletionOptions, deps: Deps): Promise<void> {
  if (opts.list) {
    if (opts.shell) throw new UsageError("Use either a shell or --list, not both.");
    deps.io.out.write(await listNames(opts.list, opts.configFile, deps));
    return;
  }
  if (!opts.shell) throw new UsageError(`Name the shell to complete for: sso-setup completion ${SHELLS.join("|")}`);
  deps.io.out.write(SCRIPTS[opts.shell](opts.tree()));
}

// ---------------------------------------------------------------------------------------------------
// The command tree, as the scripts need it.

export function describeCommandTree(root: Command): CommandSpec {
  return describe(root, []);
}

function describe(command: Command, path: string[]): CommandSpec {
  const help = command.createHelp();
  // The root help also lists nested commands (`configure sso-session`); completion walks the tree level by level.
  const children = help.visibleCommands(command).filter((sub) => sub.parent === command || sub.name() === "help");
  const subcommands = children.map((sub) => describe(sub, [...path, sub.name()]));
  // Commander's own `help [command]` declares no choices; its choices are the other commands.
  const helpCommand = subcommands.find((sub) => sub.name === "help" && sub.args.length === 1 && !sub.args[0]!.choices);
  if (helpCommand) helpCommand.args[0]!.choices = subcommands.filter((sub) => sub !== helpCommand).map((sub) => sub.name);
  return {
    name: command.name(),
    aliases: command.aliases(),
    path,
    description: firstLine(command.summary() || command.description()),
    // The root's --config-file is for typing before a command, not for completing there: zsh's
    // _arguments would take it out of the command's words, where the name callback looks for it.
    flags: help.visibleOptions(command).filter((o) => command.parent || o.long !== "--config-file").map(describeFlag),
    args: command.registeredArguments.map((arg) => ({ name: arg.name(), choices: arg.argChoices, variadic: arg.variadic })),
    subcommands,
  };
}

function describeFlag(option: Option): FlagSpec {
  return {
    short: option.short,
    long: option.long,
    description: firstLine(option.description),
    valueName: /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1]?.replace(/\.\.\.$/, "") ?? "value",
    // A value in brackets is optional, so the next word may as well be a command: only a required
    // value is completed (and skipped when finding the command the cursor is in).
    value: option.required ? valueSpec(option) : undefined,
  };
}

function valueSpec(option: Option): ValueSpec {
  if (option.argChoices) return { kind: "choices", choices: option.argChoices };
  if (option.long === "--profile") return { kind: "profiles" };
  if (option.long === "--sso-session") return { kind: "sso-sessions" };
  if (/<(path|file|dir|directory)>/.test(option.flags)) return { kind: "files" };
  return { kind: "any" };
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

function allCommands(spec: CommandSpec): CommandSpec[] {
  return [spec, ...spec.subcommands.flatMap(allCommands)];
}

function flagNames(flag: FlagSpec): string[] {
  return [flag.short, flag.long].filter((name): name is string => Boolean(name));
}

const SCRIPTS: Record<Shell, (tree: CommandSpec) => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };

// ---------------------------------------------------------------------------------------------------
// bash (3.2 and later: macOS still ships 3.2, so no associative arrays and no `compopt` reliance).

/** Single-quoted for bash and zsh. */
function sq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function bashLines(words: readonly string[]): string {
  return words.length ? `printf '%s\\n' ${words.map(sq).join(" ")}` : ":";
}

function bashScript(tree: CommandSpec): string {
  const commands = allCommands(tree);
  const key = (spec: CommandSpec) => sq(spec.path.join(" "));
  const enter = commands.flatMap((spec) =>
    spec.subcommands.flatMap((sub) =>
      [sub.name, ...sub.aliases].map((word) => `    ${sq(`${spec.path.join(" ")}|${word}`)}) echo ${sq(sub.path.join(" "))} ;;`),
    ),
  );
  const subcommands = commands
    .filter((spec) => spec.subcommands.length)
    .map((spec) => `    ${key(spec)}) ${bashLines(spec.subcommands.map((sub) => sub.name))} ;;`);
  const flags = commands.map((spec) => `    ${key(spec)}) ${bashLines(spec.flags.flatMap(flagNames))} ;;`);
  const values = commands.flatMap((spec) =>
    spec.flags.flatMap((flag) => {
      if (!flag.value) return [];
      const lines = flag.value.kind === "choices" ? ["choices", ...flag.value.choices] : [flag.value.kind];
      return flagNames(flag).map((name) => `    ${sq(`${spec.path.join(" ")}|${name}`)}) ${bashLines(lines)} ;;`);
    }),
  );
  const args = commands.flatMap((spec) =>
    spec.args.flatMap((arg, index) =>
      arg.choices && !arg.variadic ? [`    ${sq(`${spec.path.join(" ")}|${index}`)}) ${bashLines(arg.choices)} ;;`] : [],
    ),
  );
  // A variadic argument takes every position from its own on.
  const variadicFallbacks = commands.flatMap((spec) => {
    const index = spec.args.findIndex((arg) => arg.variadic && arg.choices);
    return index < 0 ? [] : [`    ${sq(`${spec.path.join(" ")}|`)}*) ${bashLines(spec.args[index]!.choices!)} ;;`];
  });

  return `# bash completion for ${tree.name}. Generated by \`${tree.name} completion bash\`.
# Install: add \`source <(${tree.name} completion bash)\` to ~/.bashrc.
# Profile and sso-session names are read from the AWS config (AWS_CONFIG_FILE, or --config-file on the
# command line) each time Tab is pressed, by \`${tree.name} completion --list\`.

# The command a word enters, given the command the words before it reached.
_sso_setup_enter() {
  case "$1|$2" in
${enter.join("\n")}
  esac
}

_sso_setup_subcommands() {
  case "$1" in
${subcommands.join("\n")}
  esac
}

_sso_setup_flags() {
  case "$1" in
${flags.join("\n")}
  esac
}

# What follows a flag that takes a value: profiles, sso-sessions, files, any, or choices (one a line).
_sso_setup_value() {
  case "$1|$2" in
${values.join("\n")}
  esac
}

# The choices of a command's positional argument, by its index.
_sso_setup_args() {
  case "$1|$2" in
${[...args, ...variadicFallbacks].join("\n")}
  esac
}

# Adds to COMPREPLY each line of stdin that starts with $1. Compared as plain text, never expanded:
# \`compgen -W\` would expand \`$(...)\` in a profile name from a shared config file.
_sso_setup_add() {
  local line quoted
  while IFS= read -r line; do
    [[ -n $line && $line == "$1"* ]] || continue
    printf -v quoted '%q' "$line"
    COMPREPLY+=("$quoted")
  done
}

_sso_setup() {
  COMPREPLY=()
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" word next path="" i=1 positional=0 flag=""
  local config=()
  (( COMP_CWORD > 1 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  # Find the command the cursor is in, skipping flags and their values (bash splits --flag=value
  # into three words, because = is in COMP_WORDBREAKS), and count the positional arguments.
  while (( i < COMP_CWORD )); do
    word="\${COMP_WORDS[i]}"
    if [[ $word == -* ]]; then
      if [[ -n $(_sso_setup_value "$path" "$word") ]]; then
        (( i++ ))
        [[ \${COMP_WORDS[i]} == = ]] && (( i++ ))
        [[ $word == --config-file ]] && (( i < COMP_CWORD )) && config=(--config-file "\${COMP_WORDS[i]}")
      fi
    else
      next="$(_sso_setup_enter "$path" "$word")"
      if [[ -n $next ]]; then path="$next"; positional=0; else (( positional++ )); fi
    fi
    (( i++ ))
  done

  if [[ $cur == = && $prev == -* ]]; then
    flag="$prev"; cur=""
  elif [[ $prev == = ]] && (( COMP_CWORD > 2 )); then
    flag="\${COMP_WORDS[COMP_CWORD-2]}"
  elif [[ $prev == -* ]]; then
    flag="$prev"
  fi
  local spec=""
  [[ -n $flag ]] && spec="$(_sso_setup_value "$path" "$flag")"
  if [[ -n $spec ]]; then
    case "\${spec%%$'\\n'*}" in
      profiles|sso-sessions)
        # --config-file is only passed when already typed; ~ is expanded by sso-setup itself.
        _sso_setup_add "$cur" < <(command ${tree.name} completion --list "\${spec%%$'\\n'*}" "\${config[@]}" 2>/dev/null) ;;
      files)
        compopt -o filenames 2>/dev/null
        while IFS= read -r word; do COMPREPLY+=("$word"); done < <(compgen -f -- "$cur") ;;
      choices)
        _sso_setup_add "$cur" < <(printf '%s\\n' "\${spec#*$'\\n'}") ;;
    esac
    return 0
  fi

  if [[ $cur == -* ]]; then
    _sso_setup_add "$cur" < <(_sso_setup_flags "$path")
  else
    _sso_setup_add "$cur" < <(_sso_setup_subcommands "$path"; _sso_setup_args "$path" "$positional")
    # A command with nothing else to offer offers its flags without waiting for a dash.
    (( \${#COMPREPLY[@]} )) || [[ -n $cur ]] || _sso_setup_add "$cur" < <(_sso_setup_flags "$path")
  fi
  return 0
}

complete -F _sso_setup ${tree.name}
`;
}

// ---------------------------------------------------------------------------------------------------
// zsh: _arguments specs, one function per command that has subcommands or flags.

/** Backslash-escapes what zsh would read as syntax inside a `(a b c)` action or a `name:desc` pair. */
function zshEscape(text: string): string {
  return text.replace(/[^A-Za-z0-9_.,/@%+=-]/g, "\\$&");
}

function zshDescription(text: string): string {
  // Inside _arguments' [...] only brackets and backslashes need escaping.
  return text.replace(/[\\[\]]/g, "\\$&");
}

function zshFunctionName(spec: CommandSpec): string {
  return ["_sso_setup", ...spec.path].join("_").replace(/[^A-Za-z0-9_]/g, "_");
}

function zshAction(value: ValueSpec): string {
  switch (value.kind) {
    // In braces: an action given as a plain command gets _arguments' own options put before its words.
    case "profiles":
      return "{_sso_setup_names profiles}";
    case "sso-sessions":
      return "{_sso_setup_names sso-sessions}";
    case "files":
      return "_files";
    case "choices":
      return `(${value.choices.map(zshEscape).join(" ")})`;
    case "any":
      // A space: show the message, offer nothing.
      return " ";
  }
}

function zshFlagSpecs(flag: FlagSpec): string[] {
  const names = flagNames(flag);
  const exclusive = names.length > 1 ? `(${names.join(" ")})` : "";
  const value = flag.value ? `:${flag.valueName.replaceAll(":", "\\:")}:${zshAction(flag.value)}` : "";
  return names.map((name) => sq(`${exclusive}${name}${flag.value && name.startsWith("--") ? "=" : ""}[${zshDescription(flag.description)}]${value}`));
}

function zshFunction(spec: CommandSpec, rootName: string): string {
  const specs = spec.flags.flatMap(zshFlagSpecs);
  const name = zshFunctionName(spec);
  if (spec.subcommands.length) {
    const choices = spec.subcommands.map((sub) => sq(`${sub.name.replaceAll(":", "\\:")}:${sub.description}`));
    const cases = spec.subcommands.map((sub) => `        ${[sub.name, ...sub.aliases].map(sq).join("|")}) ${zshFunctionName(sub)} ;;`);
    return `${name}() {
  local curcontext="$curcontext" state state_descr line
  typeset -A opt_args
  _arguments -C \\
${[...specs, sq("1: :->command"), sq("*:: :->argument")].map((s) => `    ${s}`).join(" \\\n")}
  case $state in
    command)
      local -a commands
      commands=(${choices.join(" ")})
      _describe -t commands command commands ;;
    argument)
      curcontext="\${curcontext%:*:*}:${[rootName, ...spec.path].join("-")}-$line[1]:"
      case $line[1] in
${cases.join("\n")}
      esac ;;
  esac
}
`;
  }
  const args = spec.args.map((arg, index) => {
    const position = arg.variadic ? "*" : String(index + 1);
    return sq(`${position}:${arg.name.replaceAll(":", "\\:")}:${arg.choices ? zshAction({ kind: "choices", choices: arg.choices }) : " "}`);
  });
  return `${name}() {
  _arguments \\
${[...specs, ...args].map((s) => `    ${s}`).join(" \\\n")}
}
`;
}

function zshScript(tree: CommandSpec): string {
  return `#compdef ${tree.name}
# zsh completion for ${tree.name}. Generated by \`${tree.name} completion zsh\`. Install one of:
#   source <(${tree.name} completion zsh)                      in ~/.zshrc, after compinit
#   ${tree.name} completion zsh > "\${fpath[1]}/_${tree.name}"     a file on $fpath, loaded by compinit
# Profile and sso-session names are read from the AWS config (AWS_CONFIG_FILE, or --config-file on the
# command line) each time Tab is pressed, by \`${tree.name} completion --list\`.

_sso_setup_names() {
  local -a names config
  local i expl
  for (( i = 1; i < CURRENT; i++ )); do
    case \${words[i]} in
      --config-file) config=(--config-file "\${(Q)words[i+1]}") ;;
      --config-file=*) config=(--config-file "\${(Q)\${words[i]#*=}}") ;;
    esac
  done
  names=("\${(@f)$(command ${tree.name} completion --list $1 "\${config[@]}" 2>/dev/null)}")
  names=(\${names:#})
  _wanted $1 expl \${1%s} compadd -a names
}

${allCommands(tree).map((spec) => zshFunction(spec, tree.name)).join("\n")}
if [[ \${funcstack[1]} == _${tree.name} ]]; then
  # Autoloaded from $fpath by compinit: this file is the completion function's body.
  _sso_setup "$@"
else
  compdef _sso_setup ${tree.name}
fi
`;
}

// ---------------------------------------------------------------------------------------------------
// fish: one `complete` line per flag and subcommand, conditioned on the command the cursor is in.

/** Single-quoted for fish, where only \\ and ' are special inside single quotes. */
function fq(text: string): string {
  return `'${text.replace(/[\\']/g, "\\$&")}'`;
}

/** Words for `complete -a`, which fish expands: each backslash-escaped, then the list single-quoted. */
function fishWords(words: readonly string[]): string {
  return fq(words.map((word) => word.replace(/[^A-Za-z0-9_.,/@%+=:-]/g, "\\$&")).join(" "));
}

function fishScript(tree: CommandSpec): string {
  const commands = allCommands(tree);
  const at = (spec: CommandSpec) => `-n ${fq(`__sso_setup_at ${fq(spec.path.join(" "))}`)}`;
  const entries = commands.flatMap((spec) =>
    spec.subcommands.flatMap((sub) => [sub.name, ...sub.aliases].map((word) => fq(`${spec.path.join(" ")}|${word}|${sub.path.join(" ")}`))),
  );
  const valued = commands.flatMap((spec) =>
    spec.flags.filter((flag) => flag.value).flatMap((flag) => flagNames(flag).map((name) => fq(`${spec.path.join(" ")}|${name}`))),
  );
  const lines: string[] = [];
  for (const spec of commands) {
    for (const sub of spec.subcommands) {
      lines.push(`complete -c ${tree.name} ${at(spec)} -a ${fishWords([sub.name])} -d ${fq(sub.description)}`);
    }
    for (const flag of spec.flags) {
      const names = [flag.short ? `-s ${flag.short.slice(1)}` : "", flag.long ? `-l ${flag.long.slice(2)}` : ""].filter(Boolean).join(" ");
      let value = "";
      if (flag.value?.kind === "profiles" || flag.value?.kind === "sso-sessions") value = ` -x -a ${fq(`(__sso_setup_names ${flag.value.kind})`)}`;
      else if (flag.value?.kind === "files") value = " -r -F";
      else if (flag.value?.kind === "choices") value = ` -x -a ${fishWords(flag.value.choices)}`;
      else if (flag.value?.kind === "any") value = " -x";
      lines.push(`complete -c ${tree.name} ${at(spec)} ${names}${value} -d ${fq(flag.description)}`);
    }
    for (const arg of spec.args) {
      if (arg.choices) lines.push(`complete -c ${tree.name} ${at(spec)} -a ${fishWords(arg.choices)}`);
    }
  }
  return `# fish completion for ${tree.name}. Generated by \`${tree.name} completion fish\`. Install:
#   ${tree.name} completion fish > ~/.config/fish/completions/${tree.name}.fish
# Profile and sso-session names are read from the AWS config (AWS_CONFIG_FILE, or --config-file on the
# command line) each time Tab is pressed, by \`${tree.name} completion --list\`.

# "parent path|word|path entered" for every subcommand, and "path|flag" for every flag with a value.
set -g __sso_setup_entries ${entries.join(" ")}
set -g __sso_setup_valued ${valued.join(" ")}

# The command the cursor is in: the words before it, without flags and their values.
function __sso_setup_path
    set -l path ''
    set -l skip 0
    set -l words (commandline -opc)
    set -e words[1]
    for word in $words
        if test $skip = 1
            set skip 0
            continue
        end
        if string match -q -- '-*' $word
            contains -- "$path|$word" $__sso_setup_valued; and set skip 1
            continue
        end
        for entry in $__sso_setup_entries
            set -l parts (string split '|' -- $entry)
            if test "$parts[1]" = "$path" -a "$parts[2]" = "$word"
                set path $parts[3]
                break
            end
        end
    end
    echo $path
end

function __sso_setup_at
    set -l path (__sso_setup_path)
    test "$path" = "$argv[1]"
end

function __sso_setup_names
    set -l words (commandline -opc)
    set -l config
    for i in (seq (count $words))
        switch $words[$i]
            case --config-file
                test $i -lt (count $words); and set config --config-file $words[(math $i + 1)]
            case '--config-file=*'
                set config --config-file (string replace -- '--config-file=' '' $words[$i])
        end
    end
    command ${tree.name} completion --list $argv[1] $config 2>/dev/null
end

complete -c ${tree.name} -f
${lines.join("\n")}
`;
}
