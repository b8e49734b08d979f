// The one interface behind `provision image ...` and `provision hosts ...`: images of provisioned hosts, and
// new hosts started from them. The lab (providers/lab.ts) and DigitalOcean (providers/digitalocean/) implement
// it; cli/images.ts picks one by name (providers/index.ts) and loads only that one. Every command plans first: under --check the
// plan (`actions`) is returned and nothing is changed.

/** What a command did, or under --check would do. */
export type Outcome<T> = {
  check: boolean;
  /** The plan, one line per action. */
  actions: string[];
  /** What was made or removed (not under --check): the JSON output's `result`. */
  result?: T;
  /** What was done, in lines for people (not under --check). */
  said: string[];
};

/** Images as a table for people, and as they are for --json. */
export type ImageTable = { items: unknown[]; head: string[]; rows: string[][] };

export type CreatedHost = { name: string; address: string; hostKey: string; dropletId?: number };

export type HostsCreateOptions = {
  image: string; count: number; group: string; inventory: string; check: boolean;
  /** DigitalOcean: the region (default: the snapshot's first), size, and account SSH keys for root. */
  region?: string; size?: string; sshKeys?: string[];
};

export interface Provider {
  imageCreate(o: { host: string; name: string; inventory: string; check: boolean }): Promise<Outcome<unknown>>;
  imageList(): Promise<ImageTable>;
  /** Refused while hosts run from the image, unless `force` (which destroys them first). */
  imageDelete(o: { name: string; force: boolean; check: boolean; inventory?: string }): Promise<Outcome<{ removedHosts: string[] }>>;
  hostsCreate(o: HostsCreateOptions): Promise<Outcome<CreatedHost[]>>;
  hostsDestroy(o: { group: string; inventory: string; check: boolean }): Promise<Outcome<string[]>>;
}

