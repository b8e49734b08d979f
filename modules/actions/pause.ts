// pause: waits on this machine for a number of seconds or minutes. A prompt is refused: a run waits for no one.
import { defineModule } from '../../engine/module.ts';

type PauseArgs = { seconds?: number; minutes?: number };

export default defineModule<PauseArgs>({
  name: 'pause',
  fqcn: ['ansible.builtin.pause', 'ansible.legacy.pause'],
  description: 'Wait `seconds` or `minutes` on this machine (in --check too). `prompt` (waiting for a key) is not supported: a run waits for no one.',
  schema: {
    type: 'object',
    additionalProperties: false,
    oneOf: [{ required: ['seconds'] }, { required: ['minutes'] }],
    description: 'seconds or minutes (one of them)',
    properties: {
      seconds: { type: 'integer', minimum: 0, maximum: 86400 },
      minutes: { type: 'integer', minimum: 0, maximum: 1440 },
      prompt: { not: {}, description: 'prompt is not supported: a run waits for no one (give seconds or minutes)' },
      echo: { not: {}, description: 'echo is not supported: a run takes no input' },
    },
  },
  facts: () => [],
  plan: () => [],
  local(a) {
    const s = a.seconds ?? (a.minutes ?? 0) * 60;
    return { status: 'ok', waitMs: s * 1000, result: { delta: s, echo: true, stdout: `Paused for ${a.minutes !== undefined ? `${a.minutes} minutes` : `${s} seconds`}`, user_input: '' } };
  },
});
