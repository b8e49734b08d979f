// Writing a command's stdin to its ssh2 channel: in chunks, as fast as the channel and the host's socket take them,
// with the encrypted bytes queued over every host's socket kept small (ssh2 makes new buffers for each packet).
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';

/** What an exec reads on stdin: several buffers are written one after another, never copied into one. */
export type Stdin = string | Buffer | Buffer[];

const CHUNK = 64 * 1024;
/**
 * Bytes queued for the socket above which an upload waits for it to drain. ssh2 encrypts as much as
 * sshd's window allows (2 MB) into new buffers at once: 30 hosts reading slowly held 40 MB of them.
 */
const SOCKET_QUEUE_MAX = 256 * 1024;
/**
 * Bytes queued over every socket an upload is writing to, above which each upload waits its turn: 30 hosts at
 * 256 KB each still held 15 MB of encrypted buffers at once, and the process kept their memory (RSS +40 MB).
 */
const ALL_SOCKETS_QUEUE_MAX = 1024 * 1024;
const uploading = new Set<Duplex>();
/**
 * ssh2 makes new buffers for every packet it encrypts, and V8 collects them only after tens of MB of such external
 * memory: 30 hosts receiving 4 MB each left RSS 45 MB higher. With --expose-gc (bin/provision.js sets it), a
 * collection after every 16 MB uploaded keeps that garbage small; it costs a few ms each time.
 */
const GC_EVERY = 16 * 1024 * 1024;
let uploadedSinceGc = 0;
const collectAfter = (bytes: number) => {
  uploadedSinceGc += bytes;
  if (uploadedSinceGc < GC_EVERY) return;
  uploadedSinceGc = 0;
  (globalThis as { gc?: () => void }).gc?.();
};
const queuedEverywhere = () => {
  let n = 0;
  for (const s of uploading) n += s.destroyed ? 0 : s.writableLength;
  return n;
};

/** Writes stdin in chunks, as fast as the channel and the socket take them; stops if the channel closes. */
export async function feed(channel: ClientChannel, sock: Duplex, stdin: Stdin | undefined): Promise<void> {
  const parts = stdin === undefined ? [] : Array.isArray(stdin) ? stdin : [typeof stdin === 'string' ? Buffer.from(stdin) : stdin];
  let closed = false;
  channel.once('close', () => { closed = true; });
  const until = (emitter: NodeJS.EventEmitter, event: string) => new Promise<void>((resolve) => {
    const done = () => {
      emitter.off(event, done);
      channel.off('close', done);
      resolve();
    };
    emitter.once(event, done);
    channel.once('close', done);
  });
  uploading.add(sock);
  try {
    for (const part of parts) {
      for (let off = 0; off < part.length && !closed; off += CHUNK) {
        // Its turn: while the uploads of every host together hold more than their share, wait (polled: a drain
        // on any of their sockets frees room).
        while (!closed && !sock.destroyed && queuedEverywhere() > ALL_SOCKETS_QUEUE_MAX) await new Promise((r) => setTimeout(r, 5));
        const chunk = part.subarray(off, off + CHUNK);
        collectAfter(chunk.length);
        if (!channel.write(chunk) && !closed) await until(channel, 'drain');
        while (!closed && !sock.destroyed && sock.writableLength > SOCKET_QUEUE_MAX) await until(sock, 'drain');
      }
    }
  } finally {
    uploading.delete(sock);
  }
  if (!closed) channel.end();
}
