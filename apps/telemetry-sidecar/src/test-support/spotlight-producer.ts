// A real Sentry SDK pointed at the sidecar through its `spotlight` option, run as a child process
// by the Spotlight UI tests: SPOTLIGHT_URL=http://localhost:PORT/stream node spotlight-producer.ts
//   PRODUCE=showcase  an error with an attachment, a message, log lines and a transaction
//   PRODUCE=steady    one error every STEADY_INTERVAL_MS until stdin closes, named "Steady error <n>";
//                     a line "slow" on stdin sends one a second instead, "fast" goes back,
//                     "pause" sends none until the next "slow" or "fast"
import * as Sentry from '@sentry/node';

Sentry.init({
  // No DSN: nothing goes to sentry.io; Spotlight still receives every envelope.
  dsn: undefined,
  spotlight: process.env.SPOTLIGHT_URL,
  environment: 'spotlight-ui-test',
  release: 'telemetry-sidecar-test@1.0.0',
  tracesSampleRate: 1,
  // Spotlight 4.11's UI builds its Traces panel from transactions, not from streamed spans.
  traceLifecycle: 'static',
  // The steady run must not be slowed down by its own stack traces' source lines.
  integrations: (defaults) => defaults.filter((integration) => integration.name !== 'ContextLines'),
});

function chargeCard(orderId: string): never {
  throw new TypeError(`card for order ${orderId} was declined`);
}

if (process.env.PRODUCE === 'steady') {
  const fast = Number(process.env.STEADY_INTERVAL_MS ?? 100);
  let interval = fast;
  let n = 0;
  let running = true;
  let paused = false;
  process.stdin.on('data', (chunk: Buffer) => {
    // The SDK gives up on Spotlight after four failed posts in a row: send slowly while it is
    // down, and not at all while it restarts, however long that takes.
    const command = chunk.toString();
    if (command.includes('slow')) [interval, paused] = [1_000, false];
    if (command.includes('fast')) [interval, paused] = [fast, false];
    if (command.includes('pause')) paused = true;
  });
  process.stdin.on('end', () => {
    running = false;
  });
  while (running) {
    if (paused) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    n += 1;
    Sentry.captureException(new Error(`Steady error ${n}`));
    console.log(`sent ${n}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  await Sentry.flush(3_000);
  console.log(`producer: sent ${n}`);
} else {
  Sentry.withScope((scope) => {
    scope.addAttachment({
      filename: 'order-17.json',
      data: '{"order":17,"total":"42.00"}',
      contentType: 'application/json',
    });
    try {
      chargeCard('17');
    } catch (error) {
      Sentry.captureException(error);
    }
  });
  Sentry.captureMessage('Checkout finished', 'info');
  Sentry.logger.info('Order 17 shipped to warehouse', { orderId: 17 });
  Sentry.logger.warn('Inventory low for SKU-9', { sku: 'SKU-9' });
  await Sentry.startSpan({ name: 'GET /orders/17', op: 'http.server' }, async () => {
    await Sentry.startSpan(
      { name: 'SELECT orders', op: 'db.query' },
      () => new Promise((resolve) => setTimeout(resolve, 20)),
    );
  });
  await Sentry.flush(3_000);
  console.log('producer: showcase sent');
}
