import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../api/client';
import type { ApiErrorBody } from '../api/types';
import { en } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';
import { translate, type Lang, type TFunc } from '../i18n';
import { errorText } from './errors';

const tr = (lang: Lang): TFunc => (k, v) => translate(lang, k, v);
const zh = tr('zh-CN');
const enT = tr('en');
const fail = (status: number, body: Partial<ApiErrorBody>, retryAfter?: number) => new ApiError(status, { params: {}, ...body }, retryAfter);

describe('a sentence for every server error code', () => {
  const openapi = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8'));
  const codes: string[] = openapi.components.schemas.ErrorCode.enum;

  it('reads the closed list of codes from the API document', () => {
    expect(codes.length).toBeGreaterThan(50);
    expect(codes).toContain('out_of_range');
  });

  it.each(['en', 'zh-CN'] as const)('%s has a non-empty sentence for each code', (lang) => {
    const messages = (lang === 'en' ? en : zhCN) as Record<string, string>;
    const missing = codes.filter((c) => !messages[`apiError.${c}`]?.trim());
    expect(missing).toEqual([]);
  });

  it('each Chinese sentence is Chinese, not the English one copied', () => {
    const untranslated = codes.filter((c) => {
      const z = (zhCN as Record<string, string>)[`apiError.${c}`] ?? '';
      return z === (en as Record<string, string>)[`apiError.${c}`] || !/[\u4e00-\u9fff]/.test(z);
    });
    expect(untranslated).toEqual([]);
  });

  it('every sentence variant belongs to a code of the list', () => {
    // apiError.what.* are the object words of invalid_name, not variants
    const variants = Object.keys(en).filter((k) => /^apiError\.[a-z_]+\.[a-z_]+$/.test(k) && !k.startsWith('apiError.what.'));
    expect(variants.length).toBeGreaterThan(5);
    for (const k of variants) expect(codes, k).toContain(k.split('.')[1]);
  });
});

describe('errorText says a server error in the user language', () => {
  const range = (params: Record<string, unknown>) =>
    fail(400, { code: 'out_of_range', field: 'page_size', message: 'page_size must be between 1 and 500', params });

  it('a range with both ends', () => {
    expect(errorText(enT, range({ min: 1, max: 500 }))).toBe('page_size must be between 1 and 500');
    expect(errorText(zh, range({ min: 1, max: 500 }))).toBe('字段 page_size 的取值必须在 1 到 500 之间');
  });

  it('a range with only a minimum says "at least"', () => {
    expect(errorText(enT, range({ min: 1 }))).toBe('page_size must be at least 1');
    expect(errorText(zh, range({ min: 1 }))).toBe('字段 page_size 的取值不能小于 1');
  });

  it('a range with only a maximum says "at most", the number grouped', () => {
    expect(errorText(enT, range({ max: 5000 }))).toBe('page_size must be at most 5,000');
    expect(errorText(zh, range({ max: 5000 }))).toBe('字段 page_size 的取值不能大于 5,000');
  });

  it('a list of allowed values joined as each language joins a list', () => {
    const e = fail(400, { code: 'not_one_of', field: 'phase', message: "phase must be one of Running, Pending, not 'Runing'", params: { allowed: ['Running', 'Pending'], value: 'Runing' } });
    expect(errorText(enT, e)).toBe('phase must be one of Running, Pending, not "Runing"');
    expect(errorText(zh, e)).toBe('字段 phase 只能取 Running、Pending 之一，不能是“Runing”');
  });

  it('text from a parser or the cluster is appended as it came', () => {
    const e = fail(400, { code: 'invalid_selector', field: 'label_selector', message: 'label_selector is not a valid label selector: unexpected "=="', params: { detail: 'unexpected "=="' } });
    expect(errorText(enT, e)).toBe('label_selector is not a valid label selector: unexpected "=="');
    expect(errorText(zh, e)).toBe('字段 label_selector 不是有效的标签选择器：unexpected "=="');
  });

  it('a selector error worded from the rule it breaks, without the parser English', () => {
    const e = fail(400, { code: 'invalid_selector', field: 'label_selector', message: 'x', params: { rule: 'invalid_key', part: 'Bad Key=1', token: 'Bad Key', detail: "invalid label key 'Bad Key' in 'Bad Key=1'" } });
    expect(errorText(zh, e)).toBe('字段 label_selector 不是有效的标签选择器：“Bad Key=1”中的“Bad Key”不是有效的标签键');
    expect(errorText(enT, e)).toBe('label_selector is not a valid label selector: "Bad Key" in "Bad Key=1" is not a valid label key');
  });

  it('names the field at fault in the sentence', () => {
    const e = fail(400, { code: 'required', field: 'labelSelector', message: "give the workload's label selector, e.g. app=web" });
    expect(errorText(enT, e)).toBe('labelSelector is required');
    expect(errorText(zh, e)).toBe('缺少必填字段 labelSelector');
  });

  it('a code this console does not know (a newer server) falls back to the English message', () => {
    const e = fail(400, { code: 'quota_exceeded', message: 'the namespace quota is used up', params: { quota: 'pods' } });
    expect(errorText(zh, e)).toBe('the namespace quota is used up');
    expect(errorText(enT, e)).toBe('the namespace quota is used up');
  });

  it('the object and where it is', () => {
    const e = fail(404, { code: 'node_not_found', message: "node 'w9' does not exist in cluster 1234", params: { node: 'w9', cluster: 1234 } });
    expect(errorText(enT, e)).toBe('Node w9 does not exist in cluster 1234');
    expect(errorText(zh, e)).toBe('集群 1234 中不存在节点 w9');
  });

  it('a missing container names the workload when the target is one, the pod otherwise', () => {
    const params = { container: 'nope', containers: 'web, sidecar' };
    const workload = fail(422, { code: 'container_not_found', message: 'x', params: { ...params, kind: 'Deployment', name: 'shop/web' } });
    expect(errorText(enT, workload)).toBe('Deployment shop/web has no container nope; it has: web, sidecar');
    expect(errorText(zh, workload)).toBe('Deployment shop/web 中没有容器 nope；现有容器：web, sidecar');
    expect(errorText(enT, fail(400, { code: 'container_not_found', message: 'x', params }))).toBe('The pod has no container nope; it has: web, sidecar');
  });
  it('a 403 says who lacks what where, by the scope present', () => {
    const params = { user: 'vera', permission: 'node.write', cluster: 1 };
    const e = fail(403, { code: 'forbidden', message: "user 'vera' lacks permission 'node.write' on cluster 1; ask a platform admin for a role that grants it", params });
    expect(errorText(zh, e)).toBe('您没有执行此操作的权限：用户 vera 在集群 1 上没有 node.write 权限；请联系平台管理员授予包含该权限的角色');
    const ns = fail(403, { code: 'forbidden', message: 'x', params: { ...params, permission: 'pod.delete', namespace: 'shop' } });
    expect(errorText(zh, ns)).toBe('您没有执行此操作的权限：用户 vera 在集群 1 的命名空间 shop 中没有 pod.delete 权限；请联系平台管理员授予包含该权限的角色');
    expect(errorText(enT, fail(403, { code: 'forbidden', message: 'x', params: { user: 'vera', permission: 'user.admin' } }))).toBe(
      'You do not have permission to do this: user vera lacks the permission user.admin; ask a platform admin for a role that grants it',
    );
  });

  it('a label key or a label value, by the rule it breaks', () => {
    const key = fail(400, { code: 'invalid_label', field: 'labels.bad key', message: "'bad key' is not a valid label key", params: { key: 'bad key', rule: 'key' } });
    expect(errorText(zh, key)).toMatch(/^“bad key”不是有效的标签键/);
    const value = fail(400, { code: 'invalid_label', field: 'labels.a', message: "'-x' is not a valid label value", params: { key: 'a', value: '-x', rule: 'value' } });
    expect(errorText(zh, value)).toMatch(/^标签 a 的值“-x”无效/);
    expect(errorText(enT, value)).toMatch(/^The value "-x" of label a is not valid/);
  });

  it('a kubeconfig refused as a whole or at a place inside it', () => {
    const whole = fail(400, { code: 'kubeconfig_invalid', field: 'credential', message: 'the kubeconfig is not valid kubeconfig YAML: ...', params: { path: 'credential' } });
    expect(errorText(zh, whole)).toBe('kubeconfig 无效');
    const at = fail(400, { code: 'kubeconfig_invalid', field: 'credential', message: 'x', params: { path: 'clusters[test].cluster.server' } });
    expect(errorText(zh, at)).toBe('kubeconfig 在 clusters[test].cluster.server 处无效');
    const yaml = fail(400, { code: 'kubeconfig_invalid', field: 'credential', message: 'x', params: { path: 'credential', rule: 'yaml', detail: 'line 7 column 4: did not find expected key' } });
    expect(errorText(zh, yaml)).toMatch(/^kubeconfig 不是有效的 YAML.*line 7 column 4: did not find expected key$/);
  });

  it('an unsafe kubeconfig says which rule it breaks and whose entry it is', () => {
    const exec = fail(400, { code: 'kubeconfig_unsafe', message: 'x', params: { path: 'users[dev].user.exec', rule: 'exec', user: 'dev' } });
    expect(errorText(zh, exec)).toContain('用户“dev”使用了 exec 插件');
    expect(errorText(enT, exec)).toContain('User "dev" in the kubeconfig uses an exec plugin');
    const file = fail(400, { code: 'kubeconfig_unsafe', message: 'x', params: { path: 'users[dev].user.tokenFile', rule: 'tokenFile', user: 'dev' } });
    expect(errorText(zh, file)).toBe('kubeconfig 中的用户“dev”引用了文件（tokenFile）；上传的 kubeconfig 永远不会读取本服务器上的文件，请改为内联内容');
    const ca = fail(400, { code: 'kubeconfig_unsafe', message: 'x', params: { path: 'clusters[c1].cluster.certificate-authority', rule: 'certificate-authority', cluster: 'c1' } });
    expect(errorText(zh, ca)).toContain('集群“c1”引用了 CA 文件');
  });

  it('a wrong password at login', () => {
    const e = fail(401, { code: 'invalid_credentials', message: 'wrong username or password' });
    expect(errorText(zh, e)).toBe('用户名或密码错误');
    expect(errorText(enT, e)).toBe('Wrong username or password');
  });

  it('too many failed logins: the wait from the params, in minutes once it is long', () => {
    expect(errorText(zh, fail(429, { code: 'too_many_attempts', message: 'too many failed logins; try again in 15 minutes', params: { seconds: 900 } }, 900))).toBe('登录失败次数过多，请 15 分钟后再试');
    expect(errorText(enT, fail(429, { code: 'too_many_attempts', message: 'x', params: { seconds: 30 } }, 30))).toBe('Too many failed logins. Try again in 30 seconds');
    expect(errorText(enT, fail(429, { code: 'too_many_attempts', message: 'x', params: { seconds: 60 } }, 60))).toBe('Too many failed logins. Try again in 1 minute');
    // an older server without params: the Retry-After header still says how long
    expect(errorText(zh, fail(429, { code: 'too_many_attempts', message: 'x' }, 30))).toBe('失败次数过多，请 30 秒后再试。');
  });

  it('a drain that would stop names the count in the right form', () => {
    const e = (refused: number) => fail(422, { code: 'drain_blocked', message: 'x', params: { node: 'w1', refused } });
    expect(errorText(enT, e(1))).toBe('Node w1 was not drained (nor cordoned): 1 pod blocks it');
    expect(errorText(enT, e(3))).toBe('Node w1 was not drained (nor cordoned): 3 pods block it');
    expect(errorText(zh, e(3))).toBe('节点 w1 未排空（也未禁止调度）：有 3 个容器组阻止排空');
  });

  it('a label conflict shows what changed, from the structured changes', () => {
    const e = fail(409, {
      code: 'labels_changed',
      message: 'the labels of node ... changed',
      params: { node: 'w1', changes: ['tier=web is now tier=db'] },
      changes: [
        { key: 'tier', expected: 'web', current: 'db' },
        { key: 'zone', expected: null, current: 'a' },
      ],
    });
    expect(errorText(zh, e)).toBe('节点 w1 的标签在您读取后已被他人修改（tier: web → db、zone: （无） → a），未保存任何内容：请重新加载后再修改');
    const taints = fail(409, { code: 'taints_changed', message: 'x', params: { node: 'w1', added: ['a=b:NoSchedule'], removed: [] } });
    expect(errorText(zh, taints)).toContain('（新增：a=b:NoSchedule）');
  });

  it('a finished task says its state in the user language', () => {
    const e = fail(409, { code: 'task_finished', message: 'task 7 already finished (succeeded)', params: { task: 7, status: 'succeeded' } });
    expect(errorText(zh, e)).toBe(`任务 7 已经结束（${zhCN['task.states.succeeded']}）`);
  });

  it('keeps the special cases: network, a 5xx without a body, an internal error with its request id', () => {
    expect(errorText(zh, new ApiError(0, { code: 'network', message: '' }))).toBe(zhCN['error.network']);
    expect(errorText(enT, new ApiError(502, {}))).toMatch(/HTTP 502/);
    expect(errorText(zh, fail(500, { code: 'internal', message: 'internal error; quote the request id when reporting it', request_id: 'r-42' }))).toBe('服务器内部出错；报告问题时请提供请求 ID r-42');
    // a proxy's 403 without our body
    expect(errorText(enT, new ApiError(403, {}))).toBe('You do not have permission to do this');
  });

  it('no Chinese sentence of a code with params leaves a placeholder unfilled', () => {
    const e = fail(404, { code: 'pod_not_found', message: 'x', params: { pod: 'web-1', namespace: 'shop', cluster: 1 } });
    expect(errorText(zh, e)).toBe('命名空间 shop 中不存在容器组 web-1');
  });
});

describe('the resource engine errors (issue 13)', () => {
  it('a manifest document is counted from 1, a YAML error keeps the parser\'s words, other rules are worded alone', () => {
    const yaml = fail(400, { code: 'manifest_invalid', message: 'document 0: x', params: { document: 0, rule: 'yaml', detail: 'mapping values are not allowed at line 3 column 9' } });
    expect(errorText(enT, yaml)).toBe('Document 1 is not valid YAML or JSON: mapping values are not allowed at line 3 column 9');
    expect(errorText(zh, yaml)).toBe('第 1 个文档不是有效的 YAML 或 JSON：mapping values are not allowed at line 3 column 9');
    const noName = fail(400, { code: 'manifest_invalid', message: 'document 2: a document needs metadata.name', params: { document: 2, rule: 'no_name', detail: 'a document needs metadata.name' } });
    expect(errorText(zh, noName)).toBe('第 3 个文档缺少 metadata.name');
  });
  it('a stale resourceVersion names the current one, unquoted and ungrouped', () => {
    const e = fail(409, { code: 'resource_conflict', message: 'x', params: { object: 'ConfigMap shop/web', current_version: '123456' } });
    expect(errorText(zh, e)).toBe('ConfigMap shop/web 在您读取之后已被修改（当前 resourceVersion 为 123456）：请重新加载后再次应用您的更改');
    expect(errorText(enT, fail(409, { code: 'resource_conflict', message: 'x', params: { object: 'ConfigMap shop/web' } }))).toBe(
      'ConfigMap shop/web changed since you read it: reload it and apply your change again',
    );
  });
  it('an apply conflict lists each field with its manager', () => {
    const e = fail(409, { code: 'apply_conflict', message: 'x', params: { object: 'Deployment shop/web', conflicts: [{ field: '.spec.replicas', manager: 'kubectl' }, { field: '.spec.template', manager: 'helm' }] } });
    expect(errorText(enT, e)).toBe('Applying Deployment shop/web would take fields other managers own (.spec.replicas (kubectl), .spec.template (helm)); apply with "force" to take them');
  });
  it('the cluster refusing an object says why with its own words', () => {
    const e = fail(422, { code: 'object_invalid', message: 'x', params: { detail: 'spec.replicas: Invalid value: -1', causes: [] } });
    expect(errorText(zh, e)).toBe('集群拒绝了该对象：spec.replicas: Invalid value: -1');
  });
});
