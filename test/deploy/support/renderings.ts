import { parseManifests, kustomizeBuild, type K8sObject } from './k8s';
import { readText } from './files';

/** What `kubectl apply -k` would send for each kustomization, and the Secret it expects. */
export interface Rendering {
  dir: string;
  text: string;
  objects: K8sObject[];
  /** Objects the rendering refers to but does not create (prod's and base's backends Secret). */
  external: K8sObject[];
}

export const KUSTOMIZATIONS = ['k8s/base', 'k8s/overlays/dev', 'k8s/overlays/prod'] as const;

export const SECRET_TEMPLATE = 'k8s/base/backends-secret.example.yaml';

export async function renderAll(): Promise<Rendering[]> {
  const template = parseManifests(readText(SECRET_TEMPLATE), SECRET_TEMPLATE);
  return Promise.all(
    KUSTOMIZATIONS.map(async (dir) => {
      const text = await kustomizeBuild(dir);
      const objects = parseManifests(text, dir);
      const generatesSecret = objects.some((o) => o.kind === 'Secret');
      return { dir, text, objects, external: generatesSecret ? [] : template };
    }),
  );
}
