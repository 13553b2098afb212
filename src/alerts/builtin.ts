/**
 * Last-resort templates compiled into the code: used when the templates
 * directory has neither `<type>.*` nor a working `default.*`. They use no
 * partials and only keys every context has, so they cannot fail.
 */
export const BUILTIN_TEMPLATES: Readonly<Record<'subject' | 'text' | 'html', string>> = {
  subject:
    '[nodewarden] {{#if resolved}}resolved: {{/if}}{{#if event.node}}{{event.node}}: {{/if}}{{event.type}}' +
    '{{#if event.reason}} ({{event.reason}}){{/if}} on {{host.name}}',
  text: [
    '{{#if event.node}}{{event.node}}{{else}}nodewarden{{/if}}: {{event.type}}{{#if event.reason}} ({{event.reason}}){{/if}}',
    'time: {{time event.ts}}  severity: {{event.severity}}  host: {{host.name}}',
    '{{#if suppressed}}and {{suppressed}} more {{condition}} since {{time suppressedSince}}{{/if}}',
    'details: {{json event.details}}',
    '',
  ].join('\n'),
  html:
    '<p><b>{{#if event.node}}{{event.node}}{{else}}nodewarden{{/if}}: {{event.type}}</b>' +
    '{{#if event.reason}} ({{event.reason}}){{/if}}</p>' +
    '<p>time: {{time event.ts}}, severity: {{event.severity}}, host: {{host.name}}</p>' +
    '{{#if suppressed}}<p>and {{suppressed}} more {{condition}} since {{time suppressedSince}}</p>{{/if}}' +
    '<pre>{{json event.details}}</pre>',
};
