/** What a run loaded and must free at its end (models, references), newest last. */
export type Owned = { dispose(): void }[];
