// Protocol Bot's own script: start GOV.UK Frontend's components, and refresh a progress page while a job runs.
// Everything works without it (forms post and pages reload); it only improves what is already there.
import { initAll } from './govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
}
initAll()

const poll = document.querySelector('[data-poll-seconds]')
if (poll) {
  const seconds = Number(poll.getAttribute('data-poll-seconds')) || 2
  window.setTimeout(() => window.location.reload(), seconds * 1000)
}

// After a question or a pressed button the page reloads at the top: put the keyboard and screen reader at the reply.
const reply = document.querySelector('[data-focus-on-load]')
if (reply) {
  reply.focus()
}
