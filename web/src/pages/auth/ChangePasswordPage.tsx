import { useState } from 'react';
import { Alert, Button, Form, Input } from 'antd';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { changePassword, login } from '../../api/auth';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { rememberLoginForPasswordChange, takeLoginForPasswordChange, useAuth } from '../../auth';
import { AuthCard } from './AuthCard';
import { safeNext } from '../../lib/view';

export default function ChangePasswordPage() {
  const { t } = useI18n();
  const { session, me } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pending = takeLoginForPasswordChange();
  const forced = !!session?.mustChangePassword;

  if (!session && !busy) return <Navigate to="/login" replace />;

  const onFinish = async (v: { current?: string; password: string }) => {
    setBusy(true);
    setError(null);
    const current = pending?.password ?? v.current ?? '';
    try {
      await changePassword(current, v.password);
      const username = pending?.username ?? me?.username;
      rememberLoginForPasswordChange(null);
      if (username) {
        // the server revoked every session: log straight in with the new password
        await login(username, v.password);
        navigate(safeNext(params.get('next')), { replace: true });
      } else {
        navigate('/login?changed=1', { replace: true });
      }
    } catch (e) {
      setError(errorText(t, e));
      setBusy(false);
    }
  };

  return (
    <AuthCard title={forced ? t('password.forcedTitle') : t('password.title')}>
      {forced && <Alert type="warning" showIcon message={t('password.forcedHint')} style={{ marginBottom: 16 }} />}
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="password-error" />}
      <Form layout="vertical" onFinish={onFinish} requiredMark={false} disabled={busy}>
        {!pending && (
          <Form.Item name="current" label={t('password.current')} rules={[{ required: true, message: t('password.currentRequired') }]}>
            <Input.Password autoComplete="current-password" id="current-password" />
          </Form.Item>
        )}
        <Form.Item
          name="password"
          label={t('password.new')}
          rules={[
            { required: true, message: t('password.newRequired') },
            { min: 8, message: t('password.tooShort', { min: 8 }) },
          ]}
        >
          <Input.Password autoComplete="new-password" id="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('password.confirm')}
          dependencies={['password']}
          rules={[
            { required: true, message: t('password.confirmRequired') },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                !value || getFieldValue('password') === value ? Promise.resolve() : Promise.reject(new Error(t('password.mismatch'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" id="confirm-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="password-submit">
          {t('password.submit')}
        </Button>
        {!forced && (
          <Button type="link" block onClick={() => navigate(-1)} style={{ marginTop: 8 }}>
            {t('common.cancel')}
          </Button>
        )}
      </Form>
    </AuthCard>
  );
}
