// stat: what is at a path, registered as Ansible's stat module returns it (`register: st` then `st.stat.exists`,
// `st.stat.isdir`, `st.stat.checksum`...); it changes nothing. Its mime type and file attributes are not read.
import { type ChecksumAlgorithm, CHECKSUMS, statFact } from '../facts/files.ts';
import { defineModule } from '../engine/module.ts';

export type StatArgs = {
  path: string;
  follow?: boolean;
  get_checksum?: boolean;
  checksum_algorithm?: ChecksumAlgorithm;
  get_mime?: boolean;
  get_attributes?: boolean;
};

const fact = (a: StatArgs) => statFact(a.path, { follow: Boolean(a.follow), checksum: a.get_checksum === false ? false : a.checksum_algorithm ?? 'sha1' });

export default defineModule<StatArgs>({
  name: 'stat',
  fqcn: ['ansible.builtin.stat', 'ansible.legacy.stat'],
  aliases: { dest: 'path', name: 'path', checksum: 'checksum_algorithm', checksum_algo: 'checksum_algorithm', mime: 'get_mime', mime_type: 'get_mime',
    mime_type_check: 'get_mime', attr: 'get_attributes', attributes: 'get_attributes' },
  description: 'What is at a path (exists, type, mode, owner, size, times, checksum), registered as stat; changes nothing.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, pattern: '^/', description: 'an absolute path' },
      follow: { type: 'boolean', default: false },
      get_checksum: { type: 'boolean', default: true },
      checksum_algorithm: { enum: Object.keys(CHECKSUMS), default: 'sha1' },
      // Ansible's defaults are on; what they add (mimetype, charset, attributes) is not read yet, so only false is taken.
      get_mime: { enum: [false], description: 'false: the mime type is not read (true is not supported yet)' },
      get_attributes: { enum: [false], description: 'false: file attributes (lsattr) are not read (true is not supported yet)' },
    },
  },
  facts: (a) => [fact(a)],
  plan(a, facts) {
    const error = facts.get(fact(a)).error;
    if (typeof error === 'string') throw new Error(error);
    return [];
  },
  returns: (a, facts) => ({ stat: facts.get(fact(a)) }),
});
