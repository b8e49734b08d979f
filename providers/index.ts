// The providers by name: `--provider lab|digitalocean`. Each one's machinery loads only when it is chosen.
import type { Provider } from './provider.ts';

export const PROVIDERS = ['lab', 'digitalocean'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** The provider called `name`. */
export async function provider(name: ProviderName): Promise<Provider> {
  return name === 'digitalocean' ? (await import('./digitalocean/digitalocean.ts')).digitalocean : (await import('./lab.ts')).lab;
}
