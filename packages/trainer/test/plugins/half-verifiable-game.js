// A plug-in for the error tests: a game with verify() but without formatQuery() and evalSet(), so
// it is not verifiable and has no default reward.
export function createGame() {
  return {
    name: 'half',
    challengerPrompt: () => [{ role: 'user', content: 'Once upon a time' }],
    parseQuery: (text) => text.trim(),
    solverPrompt: (q) => [{ role: 'user', content: q }],
    verify: (q, answer) => (answer.trim() === q ? 1 : 0),
  };
}
