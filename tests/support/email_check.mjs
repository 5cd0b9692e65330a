// Checks rendered email HTML files with the project's npm tools (package.json, `npm ci`):
// doiuse-email (the caniemail.com support data) for the given mail clients, and
// html-validate. Prints one JSON object: {file: {caniemail: [...], htmlValidate: [...]}}.
//
//   node tests/support/email_check.mjs 'gmail.*,outlook.*' a.html b.html
import fs from 'node:fs';
import { doIUseEmail } from 'doiuse-email';
import { HtmlValidate } from 'html-validate';

const htmlValidate = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    // Mail clients drop <style> in some views (Gmail) or render with Word (Outlook):
    // every style is inlined into its element on purpose.
    'no-inline-style': 'off',
    // cellpadding/cellspacing are the only spacing Outlook for Windows reliably honours.
    'no-deprecated-attr': 'off',
  },
});

const [clients, ...files] = process.argv.slice(2);
const found = {};
for (const file of files) {
  const html = fs.readFileSync(file, 'utf8');
  const support = doIUseEmail(html, { emailClients: clients.split(',') });
  const report = await htmlValidate.validateString(html);
  found[file] = {
    caniemail: [...new Set(support.errors ?? [])].sort(),
    htmlValidate: report.results.flatMap((result) =>
      result.messages.map((m) => `${m.ruleId} at ${m.line}:${m.column}: ${m.message}`),
    ),
  };
}
process.stdout.write(JSON.stringify(found));
