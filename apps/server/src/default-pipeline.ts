import { detail, shortSha, step, type PushPipeline } from "@qs/core";

/**
 * The pipeline when no cluster is configured: it accepts the push (the code is stored)
 * and says plainly that nothing was built or deployed, rather than pretending.
 */
export function createUnconfiguredPipeline(): PushPipeline {
  return {
    run(push, out) {
      out.line(step(`Received ${push.app} (${shortSha(push.update.newSha)})`));
      out.line(
        detail("no cluster is configured on this server: the code is stored, not built or deployed"),
      );
      return Promise.resolve({ ok: true });
    },
  };
}
