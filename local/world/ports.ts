/** A fixed port is taken; the message names it and what to do. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly code = 'PORT_IN_USE';
}

/** Starts a server; a fixed port that is taken becomes a PortInUseError naming it. */
export async function onPort<T>(what: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new PortInUseError(
      `Port ${port} (${what}) is in use, by another run or another program. Choose other ports with --port <n> (it takes n, n+1 and n+2), or leave --port out for free ones.`,
      { cause: error },
    );
  }
}
