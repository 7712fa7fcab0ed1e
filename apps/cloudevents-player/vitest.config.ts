import { configDefaults, defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

/**
 * The page's burst test watches for long tasks, which are wall time: it runs after the other
 * files, alone, so this package's own tests do not deschedule the browser it measures.
 */
const ALONE = 'src/browser-history.test.ts';

// Spelled out rather than `extends: true`, which would add the shared `include` to each project's.
const project = (name: string, test: { include?: string[]; exclude?: string[]; groupOrder: number }) => ({
  resolve: shared.resolve,
  ssr: shared.ssr,
  test: {
    ...shared.test,
    name,
    include: test.include ?? shared.test?.include,
    exclude: test.exclude ?? configDefaults.exclude,
    sequence: { groupOrder: test.groupOrder },
  },
});

export default defineConfig({
  test: {
    projects: [
      project('player', { exclude: [...configDefaults.exclude, ALONE], groupOrder: 0 }),
      project('page-under-load', { include: [ALONE], groupOrder: 1 }),
    ],
  },
});
