// The characters one execution may produce: every string it builds (printf's results, padding, escaped
// text, the output), not only its output. Bounding the output alone lets a template double a variable in
// a loop until V8 cannot hold the string. A string is counted where it is made, not where it is stored
// or passed on, as storing it copies no characters.

/** Thrown where a string would not fit; the executor reports it as a TemplateError at its action. */
export class BudgetExceeded extends Error {}

export class CharacterBudget {
  readonly limit: number;
  private used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Throws unless `n` more characters fit: the check before building a string of about that size. */
  ensure(n: number): void {
    if (this.used + n > this.limit) this.exceeded();
  }

  /** Counts `n` characters about to be appended; throws when they do not fit. */
  charge(n: number): void {
    this.used += n;
    if (this.used > this.limit) this.exceeded();
  }

  private exceeded(): never {
    throw new BudgetExceeded(`exceeded the limit of ${this.limit} characters produced by one execution`);
  }
}
