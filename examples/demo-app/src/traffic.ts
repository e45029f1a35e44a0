/**
 * Traffic for the demo app: everyday requests plus the source's four scenarios (a user updates
 * their profile; an administrator creates a user; a brute-force login attempt; system
 * initialisation without a tenant), and behaviour worth a look in the behaviour pages (issue 19):
 * a user who goes rogue from round 4 on, an account taken over every 10th round, and an AI bill
 * that spikes (a runaway agent) every tenth round from the third on. Every round plays the
 * source's scenarios once.
 */
export interface TrafficOptions {
  /** Base URL of the demo app. */
  baseUrl: string;
  /** Pause between rounds. Default 5 s. */
  intervalMs?: number;
  /** Called after each round with its number and how many requests it made. */
  onRound?: (round: number, requests: number) => void;
  onError?: (error: unknown) => void;
}

interface Reply {
  status: number;
  body: unknown;
}

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/17.5',
  'curl/8.6.0',
];

export class TrafficGenerator {
  private timer: NodeJS.Timeout | undefined;
  private round = 0;
  private requests = 0;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: TrafficOptions) {}

  /** Plays one round now, then one every `intervalMs` until `stop()`. */
  start(): void {
    const loop = (): void => {
      this.running = this.playRound()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalMs ?? 5000);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** All scenarios once. */
  async playRound(): Promise<void> {
    this.round++;
    const before = this.requests;
    await this.systemInitialisation();
    await this.userUpdatesProfile();
    await this.adminCreatesUser();
    await this.bruteForceLogin();
    await this.everydayTraffic();
    if (this.round % 10 === 3) await this.aiBillSpike();
    await this.rogueUser();
    if (this.round % 10 === 3) await this.accountTakeover();
    this.options.onRound?.(this.round, this.requests - before);
  }

  /** Scenario 1: zhangsan logs in, changes name and e-mail, logs out. */
  async userUpdatesProfile(): Promise<void> {
    const token = await this.login('zhangsan', 'demo-zhangsan', '192.168.1.100');
    if (!token) return;
    const suffix = this.round % 2 === 0 ? '' : '旧';
    await this.call('PUT', '/api/user/profile', {
      token,
      from: '192.168.1.100',
      body: { name: `张三${suffix}`, email: `zhangsan${this.round}@example.com` },
    });
    await this.call('GET', '/api/user/profile', { token, from: '192.168.1.100' });
    await this.call('POST', '/api/auth/logout', { token, from: '192.168.1.100' });
  }

  /** Scenario 2: admin creates a user, grants a role, exports the user list. */
  async adminCreatesUser(): Promise<void> {
    const token = await this.login('admin', 'demo-admin', '192.168.1.10');
    if (!token) return;
    const username = `lisi${this.round}_${Date.now() % 100000}`;
    const created = await this.call('POST', '/api/admin/users', {
      token,
      from: '192.168.1.10',
      body: { username, name: `新用户李四${this.round}`, role: 'USER', password: `Init#${this.round}` },
    });
    const userId = (created.body as { userId?: number } | undefined)?.userId;
    if (userId !== undefined) {
      await this.call('POST', `/api/admin/users/${userId}/roles`, {
        token,
        from: '192.168.1.10',
        body: { role: 'AUDITOR' },
      });
    }
    await this.call('GET', '/api/reports/users/export', { token, from: '192.168.1.10' });
  }

  /** Scenario 3: six wrong passwords for one account from one address → a BRUTE_FORCE event. */
  async bruteForceLogin(): Promise<void> {
    const from = `203.0.113.${(this.round % 250) + 1}`;
    for (let i = 0; i < 6; i++) {
      await this.call('POST', '/api/auth/login', {
        from,
        body: { username: 'hacker', password: `guess-${i}` },
      });
    }
  }

  /**
   * An AI bill that spikes: wangwu's agent loops on the most expensive model with a large context,
   * five calls of about 15 USD within seconds, which fires the built-in rule builtin.ai-spend
   * (over 50 USD by one user within an hour).
   */
  async aiBillSpike(): Promise<void> {
    const token = await this.login('wangwu', 'demo-wangwu', '10.20.30.40');
    if (!token) return;
    for (let i = 0; i < 5; i++) {
      await this.call('POST', '/api/ai/chat', {
        token,
        from: '10.20.30.40',
        body: {
          prompt: `Re-check every audit record, pass ${i + 1}`,
          model: 'o1-pro',
          contextTokens: 60_000,
        },
      });
    }
  }

  /**
   * wangwu goes rogue: from round 4 on, wangwu logs in from an unknown address with a scripting
   * client and probes administrative pages and the user export, refused a dozen times a round
   * (an access-denied streak; a new IP and user agent for the user).
   */
  async rogueUser(): Promise<void> {
    if (this.round < 4) return;
    const from = '198.51.100.66';
    const userAgent = 'python-requests/2.31';
    const token = await this.login('wangwu', 'demo-wangwu', from, userAgent);
    if (!token) return;
    for (let i = 0; i < 10; i++) await this.call('GET', '/api/admin/settings', { token, from, userAgent });
    for (let i = 0; i < 2; i++)
      await this.call('GET', '/api/reports/users/export', { token, from, userAgent });
  }

  /** zhangsan's password is guessed: six failures from one address, then a success from there. */
  async accountTakeover(): Promise<void> {
    const from = '203.0.113.77';
    const userAgent = 'python-requests/2.31';
    for (let i = 0; i < 6; i++) {
      await this.call('POST', '/api/auth/login', {
        from,
        userAgent,
        body: { username: 'zhangsan', password: `spring2025-${i}` },
      });
    }
    const token = await this.login('zhangsan', 'demo-zhangsan', from, userAgent);
    if (token) await this.call('GET', '/api/user/profile', { token, from, userAgent });
  }

  /** Scenario 4: system initialisation (no tenant). */
  async systemInitialisation(): Promise<void> {
    await this.call('POST', '/internal/system/init', {});
  }

  /** Refusals, an LLM call, health checks (not audited). */
  async everydayTraffic(): Promise<void> {
    const token = await this.login('wangwu', 'demo-wangwu', '10.20.30.40');
    if (token) {
      await this.call('GET', '/api/admin/settings', { token, from: '10.20.30.40' });
      await this.call('POST', '/api/ai/chat', {
        token,
        from: '10.20.30.40',
        body: { prompt: 'Summarise the audit policy' },
      });
    }
    await this.call('GET', '/api/user/profile', { from: '10.20.30.41' });
    await this.call('GET', '/health', {});
  }

  private async login(
    username: string,
    password: string,
    from: string,
    userAgent?: string,
  ): Promise<string | undefined> {
    const reply = await this.call('POST', '/api/auth/login', {
      from,
      userAgent,
      body: { username, password },
    });
    return (reply.body as { token?: string } | undefined)?.token;
  }

  private async call(
    method: string,
    path: string,
    options: { token?: string; from?: string; body?: unknown; userAgent?: string | undefined },
  ): Promise<Reply> {
    this.requests++;
    const headers: Record<string, string> = {
      'user-agent': options.userAgent ?? USER_AGENTS[this.requests % USER_AGENTS.length] ?? 'demo',
    };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.from) headers['x-forwarded-for'] = options.from;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.options.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: response.status, body };
  }
}
