export { appsCheck, judgeApps, CRASH_LOOP_RESTARTS } from "./apps-check.ts";
export { certificatesCheck, judgeCertificates, CERT_FAIL_DAYS, CERT_WARN_DAYS, type CertificateObject } from "./certificates-check.ts";
export { dnsCheck, type DnsCheckOptions, type Resolver } from "./dns-check.ts";
export { createDoctor, type DoctorOptions } from "./doctor.ts";
export { metricsCheck } from "./metrics-check.ts";
export { judgeNodes, nodesCheck } from "./nodes-check.ts";
export { pingCheck, pinnedImagesCheck, registryCheck } from "./service-checks.ts";
export { judgeVersions, versionCheck } from "./version-check.ts";
