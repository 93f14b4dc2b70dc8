// A local stand-in for SOLAPI (no real provider can be reached from here), speaking its documented HTTP shape:
// POST /messages/v4/send with the HMAC-SHA256 Authorization header (checked against the secret it was given),
// answering {groupId, messageId, statusCode: '2000', …} when accepted or a 4xx {errorCode, errorMessage} when
// refused; delivery reports go later to the webhook URL as SOLAPI's message report (an array of message objects,
// statusCode 4000 = delivered), with the shared secret header. The tests and the demo (npm start) use it.
//
// What it does to each request is scripted: `next(...)` queues behaviours for the coming sends (accept, reject,
// timeout), `rejectAlimtalkFor(phone)` refuses 알림톡 to a number that has no KakaoTalk. Reports are held until
// `deliverReports()`, or sent by themselves after `autoReportMs` (the demo).
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SimBehaviour = 'accept' | 'reject' | 'timeout';

export interface SimMessage {
  messageId: string;
  type: 'ATA' | 'SMS' | 'LMS';
  to: string;
  from: string;
  text?: string;
  kakaoOptions?: { pfId: string; templateId: string; variables: Record<string, string>; disableSms?: boolean };
  outcome: 'accepted' | 'rejected' | 'timeout';
}

export interface SolapiSimulatorOptions {
  apiKey: string;
  apiSecret: string;
  /** where delivery reports go (the head office's /api/notices/provider-reports) */
  webhookUrl?: string;
  webhookSecret?: string;
  /** send each report by itself this long after the send (the demo); unset: held until deliverReports() */
  autoReportMs?: number;
  /** how long a 'timeout' send keeps the caller waiting before answering anyway */
  timeoutHoldMs?: number;
}

export interface SolapiSimulator {
  url: string;
  /** every send request received, in order (timed-out ones included) */
  messages: SimMessage[];
  /** queue behaviours for the next sends (then back to accept) */
  next(...b: SimBehaviour[]): void;
  /** 알림톡 to this number is refused (no KakaoTalk user), text still goes */
  rejectAlimtalkFor(phone: string): void;
  /** where reports go, when known only after the head office has started */
  setWebhook(url: string, secret: string): void;
  /** posts the reports of accepted messages not yet reported (statusCode per message type, default 4000) */
  deliverReports(codes?: Partial<Record<SimMessage['type'], string>>): Promise<number>;
  stop(): Promise<void>;
}

const AUTH = /^HMAC-SHA256 apiKey=([^,]+), date=([^,]+), salt=([^,]+), signature=([0-9a-f]+)$/;

function id(prefix: string): string {
  return `${prefix}4V${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(8).toString('hex').toUpperCase()}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export async function startSolapiSimulator(o: SolapiSimulatorOptions): Promise<SolapiSimulator> {
  const messages: SimMessage[] = [];
  const script: SimBehaviour[] = [];
  const noKakao = new Set<string>();
  const unreported: SimMessage[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let webhookUrl = o.webhookUrl;
  let webhookSecret = o.webhookSecret;
  const seenSignatures = new Set<string>();

  async function postReports(list: SimMessage[], codes: Partial<Record<SimMessage['type'], string>> = {}) {
    if (!webhookUrl || list.length === 0) return 0;
    const body = list.map((m) => ({
      messageId: m.messageId,
      groupId: `G${m.messageId.slice(1)}`,
      to: m.to,
      from: m.from,
      type: m.type,
      statusCode: codes[m.type] ?? '4000',
      statusMessage: (codes[m.type] ?? '4000') === '4000' ? '수신완료' : '전송실패',
      dateReceived: new Date().toISOString(),
    }));
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-webhook-secret': webhookSecret ?? '' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`report webhook answered ${res.status}: ${await res.text()}`);
    return list.length;
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/messages/v4/send') {
        json(res, 404, { errorCode: 'NotFound', errorMessage: 'Not Found' });
        return;
      }
      const m = AUTH.exec(req.headers.authorization ?? '');
      const expected = m ? createHmac('sha256', o.apiSecret).update(`${m[2]}${m[3]}`).digest('hex') : '';
      if (!m || m[1] !== o.apiKey || m[4] !== expected || seenSignatures.has(m[4])) {
        json(res, 401, { errorCode: 'SignatureDoesNotMatch', errorMessage: '인증 정보가 올바르지 않습니다.' });
        return;
      }
      seenSignatures.add(m[4]);
      let message: Omit<SimMessage, 'messageId' | 'outcome'>;
      try {
        message = (JSON.parse(await readBody(req)) as { message: typeof message }).message;
        if (!message?.to || !message.from || !['ATA', 'SMS', 'LMS'].includes(message.type)) throw new Error();
        if (message.type === 'ATA' && !message.kakaoOptions?.templateId) throw new Error();
        if (message.type !== 'ATA' && !message.text) throw new Error();
      } catch {
        json(res, 400, { errorCode: 'ValidationError', errorMessage: 'message 형식이 올바르지 않습니다.' });
        return;
      }
      const behaviour = script.shift() ?? 'accept';
      const sim: SimMessage = { ...message, messageId: id('M'), outcome: 'accepted' };
      messages.push(sim);
      if (behaviour === 'timeout') {
        sim.outcome = 'timeout';
        const t = setTimeout(() => {
          timers.delete(t);
          json(res, 500, { errorCode: 'InternalError', errorMessage: 'timeout' });
        }, o.timeoutHoldMs ?? 5_000);
        timers.add(t);
        return;
      }
      if (behaviour === 'reject' || (message.type === 'ATA' && noKakao.has(message.to))) {
        sim.outcome = 'rejected';
        json(res, 400, {
          errorCode: message.type === 'ATA' ? 'InvalidKakaoUser' : 'InvalidPhoneNumber',
          errorMessage:
            message.type === 'ATA' ? '카카오톡을 사용하지 않는 번호입니다.' : '수신번호가 올바르지 않습니다.',
        });
        return;
      }
      json(res, 200, {
        groupId: `G${sim.messageId.slice(1)}`,
        to: message.to,
        from: message.from,
        type: message.type,
        statusMessage: '정상 접수(이통사로 접수 예정) ',
        country: '82',
        messageId: sim.messageId,
        statusCode: '2000',
        accountId: '12925149',
      });
      if (o.autoReportMs !== undefined) {
        const t = setTimeout(() => {
          timers.delete(t);
          void postReports([sim]).catch(() => {});
        }, o.autoReportMs);
        timers.add(t);
      } else {
        unreported.push(sim);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    next: (...b) => script.push(...b),
    rejectAlimtalkFor: (phone) => noKakao.add(phone.replace(/\D/g, '')),
    setWebhook(url, secret) {
      webhookUrl = url;
      webhookSecret = secret;
    },
    deliverReports(codes) {
      return postReports(unreported.splice(0), codes);
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
