// A verifiable game of its own for the plug-in tests: "Count the letters of WORD." The Solver
// answers with a number; the exact verifier checks it.
const WORDS = ['cat', 'sun', 'tree', 'happy', 'garden', 'dog', 'moon', 'bird', 'little', 'rain'];

export function createGame(options = {}) {
  const words = options.words ?? WORDS;
  return {
    name: 'count',
    challengerPrompt: () => [{ role: 'user', content: 'Once upon a time' }],
    parseQuery: (text) => {
      const word = text.trim().split(/\s+/)[0]?.replace(/[^a-z]/gi, '') ?? '';
      return word ? word.toLowerCase() : { invalid: true, reason: 'no word' };
    },
    solverPrompt: (word) => [{ role: 'user', content: `Count the letters of ${word}.` }],
    formatQuery: (word) => word,
    verify: (word, answer) => (answer.trim() === String(word.length) ? 1 : 0),
    referenceAnswer: (word) => String(word.length),
    evalSet: ({ size }) => words.slice(0, size),
  };
}
