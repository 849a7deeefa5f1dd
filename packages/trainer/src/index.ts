/**
 * `@agon/trainer`: the Language Self-Play loop — config and its validation, rollout → rewards →
 * advantages → loss → AdamW step, checkpoints and exact resume, the run folder and its report,
 * and held-out evaluation.
 * @packageDocumentation
 */
export * from './browser.js';
// Node only: the run folder on disk, model paths, plug-in modules by path, recipe files.
export { nodeRunIO } from './io/node-run-io.js';
export { DEFAULT_MODEL, DEFAULT_MODEL_FILES, defaultModelFiles, modelPath } from './model-path.js';
export { loadGameModule, loadRewardModule } from './plugins.js';
export { loadRecipe, RECIPES_DIR } from './recipe.js';
