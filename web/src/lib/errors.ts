import { ApiError } from '../api/client';
import type { TFunc } from '../i18n';

/** The sentence a user sees for a failed call: the server's message, or what we know about the failure. */
export function errorText(t: TFunc, err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network') return t('error.network');
    if (err.code === 'too_many_attempts')
      return err.retryAfter ? t('error.tooManyAttemptsRetry', { seconds: err.retryAfter }) : err.message || t('error.tooManyAttempts');
    if (err.status === 403) return err.message && !err.message.startsWith('HTTP') ? `${t('error.forbidden')}: ${err.message}` : t('error.forbidden');
    if (err.status === 404 && (err.message.startsWith('HTTP') || err.message.startsWith('no API route'))) return t('error.notFound');
    if (err.status >= 500 && err.message.startsWith('HTTP')) return t('error.server', { status: err.status });
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The route is not on this server yet (older server): show "not available" instead of an error. */
export function isMissingRoute(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 405) && (err.code === 'http_404' || err.code === 'http_405' || err.code === 'not_found' || err.code === 'route_not_found');
}
