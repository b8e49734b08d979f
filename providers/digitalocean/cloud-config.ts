// cloud-init user_data for new droplets: the SSH host keys we generated, installed before sshd first starts.

export type HostKey = { type: string; privateKey: string; publicKey: string };

const KEY_TYPES: Record<string, string> = { 'ssh-ed25519': 'ed25519', 'ssh-rsa': 'rsa', ed25519: 'ed25519', rsa: 'rsa', ecdsa: 'ecdsa' };

/**
 * cloud-init user_data that installs the given host keys, so known_hosts can be written before the first connection.
 * One user_data serves a whole create request; its jinja picks the keys by the droplet's hostname (its name).
 */
export function cloudConfig(hostKeys: Record<string, HostKey>): string {
  const lines = ['## template: jinja', '#cloud-config', 'ssh_deletekeys: true', 'ssh_genkeytypes: []'];
  for (const [host, key] of Object.entries(hostKeys)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(host)) throw new Error(`cloudConfig: ${JSON.stringify(host)} is not a valid hostname`);
    const type = KEY_TYPES[key.type] ?? (key.type.startsWith('ecdsa-sha2-') ? 'ecdsa' : undefined);
    if (!type) throw new Error(`cloudConfig: ${host}: unsupported host key type ${key.type}`);
    // Braces would be read as jinja syntax; no base64 key holds any.
    if (/[{}]/.test(key.privateKey + key.publicKey)) throw new Error(`cloudConfig: ${host}: a key contains { or }`);
    const priv = key.privateKey.trim().split(/\r?\n/).map((l) => `    ${l}`);
    lines.push(`{% if v1.local_hostname == '${host}' %}`, 'ssh_keys:', `  ${type}_private: |`, ...priv,
      `  ${type}_public: ${JSON.stringify(key.publicKey.trim())}`, '{% endif %}');
  }
  return lines.join('\n') + '\n';
}
