/**
 * Split Docker's multiplexed stdout/stderr stream (non-TTY logs and exec): frames of an 8-byte
 * header (stream type, 3 zero bytes, big-endian length) followed by the payload.
 */
export function demuxDockerStream(buf: Buffer): { stdout: Buffer; stderr: Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i];
    const len = buf.readUInt32BE(i + 4);
    const payload = buf.subarray(i + 8, i + 8 + len);
    (type === 2 ? err : out).push(payload);
    i += 8 + len;
  }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

/** Incremental variant for a live stream: feed chunks, frames are emitted whole. */
export class DockerStreamDemuxer {
  private pending = Buffer.alloc(0);
  readonly stdout: Buffer[] = [];
  readonly stderr: Buffer[] = [];
  push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const len = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + len) return;
      const payload = this.pending.subarray(8, 8 + len);
      (this.pending[0] === 2 ? this.stderr : this.stdout).push(payload);
      this.pending = this.pending.subarray(8 + len);
    }
  }
}
