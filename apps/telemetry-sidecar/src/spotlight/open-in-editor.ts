import { spawn } from 'node:child_process';
import { HttpError } from '@resumable-sse/demo-support';
import type { SourceRoots } from './source-roots.ts';

/**
 * `POST /open`: the UI's "open in editor" sends a file name (optionally `:line[:column]`). Off
 * unless `OPEN_EDITOR` names a command; then the command runs with the file as one extra
 * argument — no shell, so nothing in the name is ever interpreted — and only for a file under
 * the source roots.
 */
export interface EditorLauncher {
  open(target: string): Promise<void>;
}

/** `OPEN_EDITOR="code --goto"`: the command and its fixed arguments, split on whitespace. */
export function editorLauncher(command: string | undefined, roots: SourceRoots): EditorLauncher {
  const words = (command ?? '').split(/\s+/).filter((word) => word !== '');
  return {
    async open(target) {
      const [program, ...fixed] = words;
      if (program === undefined) {
        throw new HttpError(
          403,
          'Opening files in an editor is off. Start the sidecar with OPEN_EDITOR set to your editor command (e.g. OPEN_EDITOR="code --goto").',
        );
      }
      const match = /^(.*?)(?::(\d+))?(?::(\d+))?$/s.exec(target.trim());
      const file = match?.[1] ?? '';
      const real = file === '' ? undefined : await roots.resolve(file);
      if (real === undefined) {
        throw new HttpError(
          403,
          `Not opening ${JSON.stringify(file.slice(0, 200))}: only existing files under SOURCE_ROOTS can be opened.`,
        );
      }
      const position = [match?.[2], match?.[3]].filter((part) => part !== undefined).join(':');
      const child = spawn(program, [...fixed, position ? `${real}:${position}` : real], {
        stdio: 'ignore',
        detached: true,
        shell: false,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error) =>
          reject(
            new HttpError(502, `OPEN_EDITOR could not be started (${error.message}); check the command.`),
          ),
        );
      });
      child.unref();
    },
  };
}
