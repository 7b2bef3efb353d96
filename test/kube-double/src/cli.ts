import { parseArgs } from "node:util";
import { startKubeDouble } from "./index.ts";

// `npm run kube-double -- --kubeconfig FILE [--nodes N] [--state FILE]`: starts the double on
// a free loopback port, writes a kubeconfig to FILE and runs until SIGINT/SIGTERM; with
// --state its objects are kept in that file across restarts. pods/exec runs nothing here
// (see README "Exec"): hostExec is for test harnesses only.

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    nodes: { type: "string", default: "1" },
    port: { type: "string", default: "0" },
    state: { type: "string" },
  },
});
if (!values.kubeconfig) {
  console.error("usage: kube-double --kubeconfig FILE [--nodes N] [--port P] [--state FILE]");
  process.exit(2);
}
const double = await startKubeDouble({
  kubeconfigPath: values.kubeconfig,
  nodes: Number(values.nodes),
  port: Number(values.port),
  ...(values.state === undefined ? {} : { stateFile: values.state }),
});
console.log(`kube-double listening on ${double.url}; kubeconfig written to ${double.kubeconfigPath}`);
const stop = (): void => {
  double.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
