/**
 * The choices of a list question and how type-to-filter narrows them: shared by the Prompter
 * interface and the picker that implements it, apart from both so neither imports the other.
 */
export interface PickChoice<T> {
  label: string;
  value: T;
  /** Text that type-to-filter matches against (name, email, id...). */
  searchText: string;
}

/** Every whitespace-separated term must appear somewhere in the choice's text (case-insensitive). */
export function filterChoices<T>(choices: ReadonlyArray<PickChoice<T>>, term: string | undefined): PickChoice<T>[] {
  const terms = (term ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [...choices];
  return choices.filter((c) => {
    const haystack = c.searchText.toLowerCase();
    return terms.every((t) => haystack.includes(t));
  });
}
