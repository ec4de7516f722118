/**
 * The process's standard streams as commands see them (IOStreams).
 *
 * Output is written to the descriptors directly. On Linux and macOS Node writes to files, pipes and
 * terminals synchronously anyway; but building process.stdout and process.stderr (a stream, and a
 * socket for a pipe) costs a fifth of a bare Node start, and credential_process starts sso-setup at
 * every SDK client start. The streams are still used where a plain write cannot do: on Windows (the
 * console's encoding) and for a non-blocking descriptor that is full (EAGAIN). Whether a stream is a
 * terminal is asked only when a command needs to know, for the same reason.
 */
// node:fs for descriptors 1 and 2 only; files are fs.ts's.
import { writeSync } from "node:fs";
import type { IOStreams, TextOutput } from "../ui/io.js";

export function processIo(proc: NodeJS.Process): IOStreams {
  return {
    out: descriptorOutput(1, () => proc.stdout, proc.platform),
    err: descriptorOutput(2, () => proc.stderr, proc.platform),
    get stdinIsTTY() {
      return Boolean(proc.stdin.isTTY);
    },
    get stdoutIsTTY() {
      return Boolean(proc.stdout.isTTY);
    },
    get stderrIsTTY() {
      return Boolean(proc.stderr.isTTY);
    },
  };
}

function descriptorOutput(fd: 1 | 2, stream: () => NodeJS.WriteStream, platform: NodeJS.Platform): TextOutput {
  let via: "descriptor" | "stream" | "nothing" = platform === "win32" ? "stream" : "descriptor";
  let opened: NodeJS.WriteStream | undefined;
  const toStream = (data: string | Uint8Array) => {
    if (!opened) {
      opened = stream();
      // `sso-setup … | head` closes the pipe early: that is the reader's choice, not a crash.
      opened.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE") throw error;
      });
    }
    opened.write(data);
  };
  return {
    write(text) {
      if (via === "nothing") return;
      if (via === "stream") return toStream(text);
      const bytes = Buffer.from(text, "utf8");
      let offset = 0;
      try {
        while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // The reader is gone (EPIPE), or there never was one (EBADF: the descriptor was closed).
        if (code === "EPIPE" || code === "EBADF") {
          via = "nothing";
          return;
        }
        if (code !== "EAGAIN") throw error;
        // The stream waits for the reader, where a plain write cannot.
        via = "stream";
        toStream(bytes.subarray(offset));
      }
    },
  };
}
