import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StartupError } from './startup-error.ts';

/**
 * Binds `server` to `host:port` and returns its URL (`http://127.0.0.1:8969`). A busy or
 * forbidden port is a `StartupError` that says which variable to change.
 */
export function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new StartupError(`Port ${port} on ${host} is already in use: stop the other process or set PORT.`),
        );
      } else if (error.code === 'EACCES') {
        reject(new StartupError(`Not allowed to listen on ${host}:${port}: set PORT above 1023.`));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(
          new StartupError(`HOST="${host}" is not an address of this machine: set HOST (e.g. 127.0.0.1).`),
        );
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      resolve(`http://${formatHost(address.address)}:${address.port}`);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** The one line every demo logs once it is ready; the test harness reads the URL from it. */
export function listeningLine(appName: string, url: string, storeDescription: string): string {
  return `${appName} listening on ${url} (store: ${storeDescription})`;
}
