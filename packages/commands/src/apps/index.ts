import type { Command } from "../command.ts";
import { appsAutoscale } from "./autoscale.ts";
import { appsBranchSet } from "./branch-set.ts";
import { appsBuilderSet } from "./builder-set.ts";
import { appsBuilds } from "./builds.ts";
import { appsBuildsCancel } from "./builds-cancel.ts";
import { appsBuildsOutput } from "./builds-output.ts";
import { appsChecksSet } from "./checks-set.ts";
import { appsConfig } from "./config.ts";
import { appsConfigGet } from "./config-get.ts";
import { appsConfigSet } from "./config-set.ts";
import { appsConfigUnset } from "./config-unset.ts";
import { appsCreate } from "./create.ts";
import { appsDeploy } from "./deploy.ts";
import { appsDestroy } from "./destroy.ts";
import { appsDomains } from "./domains.ts";
import { appsDomainsAdd } from "./domains-add.ts";
import { appsDomainsRemove } from "./domains-remove.ts";
import { appsInfo } from "./info.ts";
import { appsList } from "./list.ts";
import { appsPreviews } from "./previews.ts";
import { appsPreviewsEnable } from "./previews-enable.ts";
import { appsReleases } from "./releases.ts";
import { appsResourcesSet } from "./resources-set.ts";
import { appsRollback } from "./rollback.ts";
import { appsScale } from "./scale.ts";
import { appsSourceSet } from "./source-set.ts";
import { appsVolumes } from "./volumes.ts";
import { appsWebhook } from "./webhook.ts";
import { appsVolumesAdd } from "./volumes-add.ts";
import { appsVolumesRemove } from "./volumes-remove.ts";

/** The `apps:*` verbs of this folder (ops verbs such as apps:logs live with cluster ops). */
export const appsCommands: readonly Command[] = [
  appsCreate,
  appsList,
  appsInfo,
  appsDestroy,
  appsConfig,
  appsConfigGet,
  appsConfigSet,
  appsConfigUnset,
  appsDomains,
  appsDomainsAdd,
  appsDomainsRemove,
  appsScale,
  appsAutoscale,
  appsVolumes,
  appsVolumesAdd,
  appsVolumesRemove,
  appsReleases,
  appsRollback,
  appsBuilds,
  appsBuildsOutput,
  appsBuildsCancel,
  appsResourcesSet,
  appsChecksSet,
  appsBuilderSet,
  appsBranchSet,
  appsPreviewsEnable,
  appsPreviews,
  appsSourceSet,
  appsDeploy,
  appsWebhook,
];
