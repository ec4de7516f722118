/**
 * One rule for every value a command can take from a flag or a prompt: a flag wins; otherwise a
 * person is asked when there is one; otherwise the default is taken; otherwise the command fails at
 * once, naming the flag that would have supplied the value. Nothing ever waits for a keyboard that
 * is not there.
 */
import { UsageError } from "../../errors.js";
import type { Prompter } from "../../ui/prompter.js";

export interface AskSpec {
  name: string;
  message: string;
  flag: string;
  /** The value given on the command line, if any. */
  given?: string | undefined;
  default?: string | undefined;
  /**
   * The default is the value the config file already holds: taken as it is when nobody is asked,
   * even one that would not pass as a new value, since it is not being changed (botocore reads it).
   */
  defaultIsCurrent?: boolean | undefined;
  validate?: (value: string) => true | string;
  required: boolean;
}

export type Ask = (spec: AskSpec) => Promise<string | undefined>;

export function createAsk(prompter: Prompter, interactive: boolean): Ask {
  return async (spec) => {
    if (spec.given !== undefined) {
      const verdict = spec.validate?.(spec.given) ?? true;
      if (verdict !== true) throw new UsageError(`Invalid value for ${spec.flag}: ${verdict}`);
      return spec.given === "" ? undefined : spec.given;
    }
    if (interactive) {
      const answer = await prompter.text({
        name: spec.name,
        message: spec.message,
        default: spec.default || undefined,
        validate: (value) => {
          if (value === "") return spec.required ? "A value is required" : true;
          return spec.validate?.(value) ?? true;
        },
      });
      return answer === "" ? undefined : answer;
    }
    if (spec.default) {
      // A default can come from the service (the profile name `<role>-<account>`): it passes the same
      // check as a value typed in.
      const verdict = spec.defaultIsCurrent ? true : (spec.validate?.(spec.default) ?? true);
      if (verdict !== true) throw new UsageError(`The default for "${spec.message}" cannot be used: ${verdict}. Pass ${spec.flag}.`);
      return spec.default;
    }
    if (spec.required) {
      throw new UsageError(`Missing a value for "${spec.message}": pass ${spec.flag} (no prompt is shown without a terminal or with --non-interactive).`);
    }
    return undefined;
  };
}
