// What a host's run needs of a connection: run a command line, with stdin, and get its exit code and output.
import type { Stdin } from './ssh.ts';

export type Conn = { exec(command: string, o?: { stdin?: Stdin }): Promise<{ code: number; stdout: string; stderr: string }> };
