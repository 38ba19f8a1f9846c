import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/**
 * A real SMTP server (`smtp-server`) on loopback that requires AUTH PLAIN/LOGIN and parses each received message
 * with `mailparser`. Recipients containing "invalid" get 550; `failNext(code)` answers the next MAIL FROM with
 * that reply code (451 transient, 421 busy...).
 */
export class FakeSmtpServer {
  readonly user = "smtp-user";
  readonly pass = "smtp-pass";
  readonly received: ParsedMail[] = [];
  #script: number[] = [];
  #server: SMTPServer;
  #port = 0;

  constructor() {
    this.#server = new SMTPServer({
      secure: false,
      disabledCommands: ["STARTTLS"],
      authMethods: ["PLAIN", "LOGIN"],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.user && auth.password === this.pass)
          return callback(null, { user: auth.username });
        const error = Object.assign(new Error("Authentication credentials invalid"), { responseCode: 535 });
        return callback(error);
      },
      onMailFrom: (_address, _session, callback) => {
        const code = this.#script.shift();
        if (code === undefined) return callback();
        return callback(Object.assign(new Error(`Scripted failure ${code}`), { responseCode: code }));
      },
      onRcptTo: (address, _session, callback) => {
        if (address.address.includes("invalid")) {
          return callback(Object.assign(new Error("Mailbox unavailable"), { responseCode: 550 }));
        }
        return callback();
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.received.push(parsed);
            callback();
          })
          .catch(callback);
      },
    });
  }

  url(credentials: { user: string; pass: string } = this): string {
    return `smtp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${this.#port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", () => resolve()));
    this.#port = (this.#server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  failNext(...codes: number[]): void {
    this.#script.push(...codes);
  }
}
