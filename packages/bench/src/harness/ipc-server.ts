/**
 * The child's side of the IPC channel: answer each command with its `id`, and exit when the
 * orchestrator goes away, so no benchmark process outlives a run.
 */
export type CommandHandler = (
  command: { cmd: string } & Record<string, unknown>,
) => Promise<unknown> | unknown;

export function answerCommands(handle: CommandHandler, onClose: () => Promise<void>): void {
  if (!process.send) return;
  process.on('disconnect', () => {
    void onClose().finally(() => process.exit(0));
  });
  process.on('message', async (message: { id: number; cmd: string } & Record<string, unknown>) => {
    if (message.cmd === 'close') {
      await onClose().catch(() => {});
      process.exit(0);
    }
    try {
      const result = await handle(message);
      process.send?.({ id: message.id, ok: true, result });
    } catch (error) {
      process.send?.({
        id: message.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  });
}
