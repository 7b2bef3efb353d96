import { describe, expect, it } from "vitest";
import { useBuildCluster } from "./harness.ts";

// Rootless BuildKit on the real cluster (see harness.ts): buildBuildkitJob's Job, with the
// BuildKit image made here, builds an app's own Dockerfile whose base comes through the
// registry mirror (buildkitd.toml); the pushed image runs as a pod and answers HTTP.

const { build, serve, app } = useBuildCluster();

describe("rootless BuildKit on the real cluster", () => {
  it("builds an app's own Dockerfile, pushes it with the digest it reports, and the image serves HTTP", async () => {
    const dir = app({
      Dockerfile: [
        "FROM busybox:1.37.0",
        "COPY index.html /srv/www/index.html",
        "RUN echo built by buildkit >> /srv/www/index.html",
        "USER 65534:65534",
        'CMD ["/bin/sh", "-c", "exec httpd -f -p \\"$PORT\\" -h /srv/www"]',
        "",
      ].join("\n"),
      "index.html": "hello\n",
    });
    const built = await build("buildkit-app", dir, "buildkit");
    console.log(
      `BuildKit: Dockerfile app built in ${built.seconds.toFixed(1)} s (${built.digest})`,
    );
    expect(await serve("buildkit-app", built.image)).toEqual({
      status: 200,
      body: "hello\nbuilt by buildkit\n",
    });
  }, 600_000);
});
