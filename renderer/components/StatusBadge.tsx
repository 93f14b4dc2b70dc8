import { useTranslation } from 'react-i18next';
import { type OrderStatus, STATUS_TONE } from '../../domain/order-status.js';

export function StatusBadge({ status }: { status: OrderStatus }) {
  const { t } = useTranslation();
  return <span className={`status-badge tone-${STATUS_TONE[status]}`}>{t(`status.${status}`)}</span>;
}
