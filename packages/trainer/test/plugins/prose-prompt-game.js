// A broken plug-in for the error tests: challengerPrompt() returns text, not chat messages.
export function createGame() {
  return { challengerPrompt: () => 'Write a word.', parseQuery: (text) => text.trim(), solverPrompt: (q) => [{ role: 'user', content: q }] };
}
