import { LitElement, html, css } from 'lit';
import { JsonRpc } from 'jsonrpc';
import '@vaadin/button';
import '@vaadin/text-field';

/**
 * The most recent scheduling decisions, newest first, with every candidate's scores per profile. "Try a request"
 * schedules a sample chat completion without sending it (a dry run).
 */
export class QwcLlmdDecisions extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = css`
        :host { display: flex; flex-direction: column; gap: 8px; padding: 8px; }
        .bar { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
        .decision { border: 1px solid var(--lumo-contrast-10pct); border-radius: 6px; padding: 6px 10px; }
        .failed { border-color: var(--lumo-error-color-50pct); }
        table { border-collapse: collapse; font-size: var(--lumo-font-size-s); margin: 4px 0; }
        td, th { padding: 2px 8px; text-align: left; }
        tr.picked { font-weight: bold; color: var(--lumo-success-text-color); }
        .muted { color: var(--lumo-secondary-text-color); }
    `;

    static properties = {
        _decisions: { state: true },
        _model: { state: true },
        _prompt: { state: true },
    };

    constructor() {
        super();
        this._model = 'llmd-sim/llama-3-8b';
        this._prompt = 'Explain continuous batching in one paragraph.';
    }

    connectedCallback() {
        super.connectedCallback();
        this._load();
        this._timer = setInterval(() => this._load(), 2000);
    }

    disconnectedCallback() {
        clearInterval(this._timer);
        super.disconnectedCallback();
    }

    _load() {
        this.jsonRpc.getDecisions().then(r => { this._decisions = r.result; });
    }

    _try() {
        this.jsonRpc.tryRequest({ model: this._model, prompt: this._prompt }).then(() => this._load());
    }

    _clear() {
        this.jsonRpc.clearDecisions().then(() => this._load());
    }

    render() {
        return html`
            <div class="bar">
                <vaadin-text-field label="Model" .value="${this._model}"
                    @value-changed="${e => { this._model = e.detail.value; }}"></vaadin-text-field>
                <vaadin-text-field label="Prompt" style="min-width: 24em" .value="${this._prompt}"
                    @value-changed="${e => { this._prompt = e.detail.value; }}"></vaadin-text-field>
                <vaadin-button theme="primary" @click="${() => this._try()}">Try a request (dry run)</vaadin-button>
                <vaadin-button @click="${() => this._clear()}">Clear</vaadin-button>
            </div>
            ${!this._decisions || this._decisions.length === 0
                ? html`<span class="muted">No decision recorded yet.</span>`
                : this._decisions.map(d => this._decision(d))}`;
    }

    _decision(d) {
        return html`
            <div class="decision ${d.succeeded ? '' : 'failed'}">
                <div><b>#${d.sequence}</b> <span class="muted">${d.time} &middot; ${d.source}</span>
                    &middot; request <code>${d.requestId}</code> &middot; model <code>${d.model}</code>
                    &middot; ${d.succeeded
                        ? html`<b>${d.endpoint}</b> (${d.address}) via profile <code>${d.profile}</code>`
                        : html`<b>no endpoint</b>`}</div>
                ${d.runs.map(r => this._run(r))}
            </div>`;
    }

    _run(r) {
        const scorers = [...new Set(r.scores.flatMap(s => Object.keys(s.byScorer)))];
        return html`
            <div><span class="muted">profile</span> <code>${r.profile}</code>
                ${r.filters.length ? html`<span class="muted">filters: ${r.filters.join(', ')}</span>` : ''}</div>
            <table>
                <tr><th>endpoint</th><th>total</th>${scorers.map(s => html`<th>${s}</th>`)}</tr>
                ${r.scores.map(s => html`
                    <tr class="${s.picked ? 'picked' : ''}">
                        <td>${s.endpoint}</td><td>${s.total.toFixed(3)}</td>
                        ${scorers.map(n => html`<td>${n in s.byScorer ? s.byScorer[n].toFixed(3) : ''}</td>`)}
                    </tr>`)}
            </table>`;
    }
}
customElements.define('qwc-llmd-decisions', QwcLlmdDecisions);
