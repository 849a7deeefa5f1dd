// A broken plug-in for the error tests: a game without parseQuery().
export default { challengerPrompt: () => [], solverPrompt: () => [] };
