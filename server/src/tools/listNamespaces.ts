import { z } from 'zod';
import { HUB_MAX_PAGE_SIZE } from '../hub/client';
import { defineTool, READ_ONLY } from './tool';

const namespace = z.object({
  namespace: z.string().describe('Name to use as `namespace` in other tools'),
  type: z.enum(['User', 'Org']),
  full_name: z.string().nullable(),
  user_role: z.string().nullable().describe('Your role in the organisation (owner, member…)'),
  badge: z.string().nullable().describe('verified_publisher, open_source… when the organisation has one'),
  plan_name: z.string().nullable(),
});

export const listNamespaces = defineTool({
  name: 'docker_list_namespaces',
  title: 'Your Docker Hub namespaces',
  description:
    'Your Docker Hub namespaces: personal first, then organisations with your role.',
  input: {},
  output: {
    username: z.string().describe('The account the server is logged in as'),
    namespaces: z.array(namespace),
    org_count: z.number().describe('Organisations the user belongs to'),
    truncated: z.boolean().describe(`True when there were more than ${HUB_MAX_PAGE_SIZE} organisations and only the first page is listed`),
  },
  annotations: READ_ONLY,
  async handler(_args, services, signal) {
    services.hubAuth.requireCredentials('listing your namespaces');
    const orgs = await services.hub.listOrgs({ page: 1, pageSize: HUB_MAX_PAGE_SIZE }, signal);
    const username = services.hubAuth.status().username ?? services.config.username!;
    return {
      username,
      namespaces: [
        { namespace: username, type: 'User' as const, full_name: null, user_role: 'owner', badge: null, plan_name: null },
        ...orgs.results.map((org) => ({
          namespace: org.orgname,
          type: 'Org' as const,
          full_name: org.full_name || null,
          user_role: org.user_role || null,
          badge: org.badge || null,
          plan_name: org.plan_name ?? null,
        })),
      ],
      org_count: orgs.count,
      truncated: orgs.count > orgs.results.length,
    };
  },
  summarize(result) {
    const lines = result.namespaces.map(
      (entry) =>
        `- ${entry.namespace} (${entry.type === 'User' ? 'personal' : 'organisation'}${entry.user_role && entry.type === 'Org' ? `, ${entry.user_role}` : ''}` +
        `${entry.badge ? `, ${entry.badge}` : ''})${entry.full_name ? ` — ${entry.full_name}` : ''}`,
    );
    const more = result.truncated ? `\n(only the first ${result.namespaces.length - 1} of ${result.org_count} organisations)` : '';
    return [`Logged in as ${result.username}; ${result.namespaces.length} namespace(s):`, ...lines].join('\n') + more;
  },
  example: {},
});
