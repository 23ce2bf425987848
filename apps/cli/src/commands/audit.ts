import { runAuditVerify } from '@floor/audit';
import { withClients, type RegisterCommand } from '../context.js';

export const registerAudit: RegisterCommand = (program, env) => {
  const audit = program.command('audit').description('check the book of record');
  audit
    .command('verify')
    .description('recompute the audit log hash chain and name the first broken row (exit 1 if broken)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const result = await withClients(env, ({ db }) => runAuditVerify({ db, json: opts.json === true }));
      process.stdout.write(`${result.output}\n`);
      process.exitCode = result.exitCode;
    });
};
