/**
 * The account and role picker: a list filtered as you type. It filters synchronously on every key,
 * so Enter always picks from the list on the screen. (@inquirer/search filters asynchronously, and a
 * pasted "staging⏎" could select the first row of the unfiltered list while showing "Staging".)
 * The only module that imports @inquirer/core.
 */
import {
  createPrompt,
  isDownKey,
  isEnterKey,
  isUpKey,
  makeTheme,
  useKeypress,
  useMemo,
  usePagination,
  usePrefix,
  useState,
} from "@inquirer/core";
import { filterChoices, type PickChoice } from "./choices.js";

interface PickerConfig {
  message: string;
  choices: ReadonlyArray<PickChoice<unknown>>;
  pageSize: number;
  /** Where the cursor starts in the unfiltered list. */
  initial: number;
}

export const searchPicker = createPrompt<unknown, PickerConfig>((config, done) => {
  const theme = makeTheme({});
  const [status, setStatus] = useState<"idle" | "done">("idle");
  const [term, setTerm] = useState("");
  const [active, setActive] = useState(config.initial >= 0 && config.initial < config.choices.length ? config.initial : 0);
  const matches = useMemo(() => filterChoices(config.choices, term), [term]);
  const prefix = usePrefix({ status, theme });

  useKeypress((key, rl) => {
    if (isEnterKey(key)) {
      const choice = matches[active];
      if (choice) {
        setStatus("done");
        done(choice.value);
      } else {
        // readline empties its line on Enter; put the filter back so the person can fix it.
        rl.write(term);
      }
      return;
    }
    if (isUpKey(key) || isDownKey(key)) {
      rl.clearLine(0);
      rl.write(term);
      if (matches.length > 0) {
        // Wraps around at both ends, like the AWS CLI's menu.
        const step = isUpKey(key) ? -1 : 1;
        setActive((active + step + matches.length) % matches.length);
      }
      return;
    }
    if (rl.line !== term) {
      setTerm(rl.line);
      setActive(0);
    }
  });

  const message = theme.style.message(config.message, status);
  if (status === "done") return `${prefix} ${message} ${theme.style.answer(matches[active]?.label ?? "")}`;

  const page = usePagination({
    items: matches,
    active,
    pageSize: config.pageSize,
    loop: false,
    renderItem: ({ item, isActive }) => (isActive ? theme.style.highlight(`❯ ${item.label}`) : `  ${item.label}`),
  });
  const body =
    matches.length === 0
      ? theme.style.error(`No match for "${term}"`)
      : `${page}\n${theme.style.help(`${matches.length} of ${config.choices.length} · type to filter · ↑↓ move · ⏎ select`)}`;
  return [`${prefix} ${message} ${term}`.trimEnd(), body];
});
