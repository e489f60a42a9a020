// A NetworkPolicy read as sentences (issue 15): the pods it selects now, who may reach them and where they may go.
import { Card, Col, Descriptions, Space, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import type { components } from '../../api/schema';
import { directionLines, type Phrase } from './networkPolicy';
import { podHref } from './ServicePanel';

type NetworkPolicyInsight = components['schemas']['NetworkPolicyInsight'];

export function NetworkPolicyPanel({ clusterId, ns, np }: { clusterId: string; ns: string; np: NetworkPolicyInsight }) {
  const { t } = useI18n();
  const say = (p: Phrase) => t(p.key, p.vars);
  const direction = (dir: 'ingress' | 'egress') => {
    const lines = directionLines(np[dir], dir);
    if (!Array.isArray(lines)) return <Typography.Text data-testid={`netpol-${dir}`}>{say(lines)}</Typography.Text>;
    return (
      <ul style={{ margin: 0, paddingLeft: 20 }} data-testid={`netpol-${dir}`}>
        {lines.map((l, i) => (
          <li key={i}>
            {t(`netpol.${dir}.rule`, { peers: l.peers.map(say).join(t('netpol.or')), ports: say(l.ports) })}
          </li>
        ))}
      </ul>
    );
  };
  return (
    <Col span={24}>
      <Card size="small" title={t('netpol.title')} data-testid="netpol-panel">
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('netpol.selects')}>
            <Space direction="vertical" size={4}>
              <span>{np.pod_selector ? t('netpol.selectsPods', { selector: np.pod_selector }) : t('netpol.selectsAll')}</span>
              <Space size={[4, 4]} wrap>
                {np.pods.length ? np.pods.map((p) => <Tag key={p}><Link to={podHref(clusterId, ns, p)}>{p}</Link></Tag>) : <Typography.Text type="secondary">{t('netpol.noPods')}</Typography.Text>}
              </Space>
            </Space>
          </Descriptions.Item>
          <Descriptions.Item label={t('netpol.ingress.title')}>{direction('ingress')}</Descriptions.Item>
          <Descriptions.Item label={t('netpol.egress.title')}>{direction('egress')}</Descriptions.Item>
        </Descriptions>
      </Card>
    </Col>
  );
}
