// Strings built piece by piece (template output, `pod-uid:${uid}`) are trees of their pieces in V8
// ("cons strings"): a rendered SPIFFE ID kept as such costs about 2.5 times its flat size. Entries are
// kept for every pod of the fleet, so the strings they keep are flattened once, when rendered. Running a
// regular expression flattens its subject in place, and is the cheapest way JavaScript has to ask for it
// (0.1 µs for an ID; String.prototype.normalize, which copies, takes 0.5 µs).
const anything = /$/;

/** `s`, stored flat. */
export function flatString(s: string): string {
  anything.test(s);
  return s;
}
