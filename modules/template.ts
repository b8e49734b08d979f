// template: a file rendered from a local nunjucks (Jinja2 syntax) template with the task's variables.
import { defineModule } from '../engine/module.ts';
import { sourceModeSchema } from './file-mode.ts';
import { type FileContentAttrs, fileContentFacts, fileContentProperties, forceProperty, planFileContent } from './copy/content.ts';

export type TemplateArgs = FileContentAttrs & { src: string; dest: string };

export default defineModule<TemplateArgs>({
  name: 'template',
  fqcn: ['ansible.builtin.template', 'ansible.legacy.template'],
  description: 'Render a local template (nunjucks, Jinja2 syntax; found beside the playbook or in templates/) with the task\'s variables and write it like copy does.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['src', 'dest'],
    properties: {
      src: { type: 'string', minLength: 1, description: 'a local template file' },
      dest: { type: 'string', minLength: 1, description: 'an absolute path' },
      ...fileContentProperties,
      mode: sourceModeSchema,
      ...forceProperty,
    },
  },
  facts: (a) => fileContentFacts(a.dest, a),
  plan: (a, facts, ctx) => planFileContent(a.dest, ctx.render(a.src, a.dest), { ...a, mode: a.mode === 'preserve' ? ctx.localMode(a.src) : a.mode }, facts),
  localSources: (a) => (typeof a.src === 'string' ? [{ arg: 'src', path: a.src, kind: 'template', what: 'template' }] : []),
});
