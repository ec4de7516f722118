/**
 * Questions to a person. The interface is what the commands use; the inquirer implementation below is
 * the only place that imports `@inquirer/prompts` (the list picker is ours, in search-picker.ts),
 * loaded on first use so that commands which never prompt do not pay for it.
 */
import { CancelledError } from "../errors.js";
import type { PickChoice } from "./choices.js";

export { filterChoices, type PickChoice } from "./choices.js";

export interface TextQuestion {
  /** A stable id for the question, used by scripted test prompters. */
  name: string;
  message: string;
  default?: string | undefined;
  /** Returns true, or the message to show while the prompt stays open. */
  validate?: (value: string) => true | string;
}


export interface PickQuestion<T> {
  name: string;
  message: string;
  choices: ReadonlyArray<PickChoice<T>>;
  /** The choice the cursor starts on (the current value when a profile is configured again). */
  initial?: number | undefined;
}

export interface Prompter {
  /** Resolves with the trimmed answer, the default for an empty answer, or "" when there is neither. */
  text(question: TextQuestion): Promise<string>;
  pick<T>(question: PickQuestion<T>): Promise<T>;
}


/** The streams are asked for at the first prompt: most runs never prompt, and opening stdin costs. */
export function createInquirerPrompter(streams: {
  input: () => NodeJS.ReadableStream;
  output: () => NodeJS.WritableStream;
  signal: AbortSignal;
}): Prompter {
  // Prompts are conversation, so they are drawn on stderr and stdout stays clean for results.
  const context = () => ({ input: streams.input(), output: streams.output(), signal: streams.signal });

  async function guard<T>(ask: () => Promise<T>): Promise<T> {
    // Ctrl-C between two prompts has already aborted the signal. Given an aborted signal, inquirer
    // rejects but leaves its readline open (stdin raw and referenced), so the process never exits.
    if (streams.signal.aborted) throw new CancelledError();
    try {
      return await ask();
    } catch (error) {
      const name = (error as Error | undefined)?.name;
      if (name === "ExitPromptError" || name === "AbortPromptError" || name === "CancelPromptError") {
        throw new CancelledError();
      }
      throw error;
    }
  }

  return {
    async text(question) {
      const { input } = await import("@inquirer/prompts");
      const answer = await guard(() =>
        input(
          {
            message: question.message,
            ...(question.default !== undefined ? { default: question.default } : {}),
            validate: (value: string) => {
              const effective = value.trim() === "" ? (question.default ?? "") : value.trim();
              return question.validate ? question.validate(effective) : true;
            },
          },
          context(),
        ),
      );
      const trimmed = answer.trim();
      return trimmed === "" ? (question.default ?? "") : trimmed;
    },

    async pick(question) {
      const { searchPicker } = await import("./search-picker.js");
      const value = await guard(() =>
        searchPicker({ message: question.message, choices: question.choices, pageSize: 10, initial: question.initial ?? 0 }, context()),
      );
      return value as (typeof question.choices)[number]["value"];
    },
  };
}
