import { api } from './client';
import type { Page, Task } from './types';

export { cancelTask, followTask, getTask, resumeTask } from './nodes';

export interface TaskListParams {
  cluster_id?: number;
  page?: number;
  page_size?: number;
}

/**
 * The task history, newest first. `GET /api/v1/tasks` is not in the server's OpenAPI document yet (only
 * `/tasks/{tid}`, `/cancel` and `/events` are): until it is, the server answers 404 and the page says so.
 */
export const listTasks = (q: TaskListParams) => api<Page<Task>>('/tasks', { query: { ...q } });
