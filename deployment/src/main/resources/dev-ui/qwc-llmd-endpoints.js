import { LitElement, html, css } from 'lit';
import { JsonRpc } from 'jsonrpc';
import '@vaadin/grid';
import '@vaadin/progress-bar';
import { columnBodyRenderer } from '@vaadin/grid/lit.js';

/** The pools: every endpoint with its pool, role, accelerator and live metrics, refreshed every second. */
export class QwcLlmdEndpoints extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = css`
        :host { display: flex; flex-direction: column; gap: 8px; padding: 8px; }
        .kv { display: flex; align-items: center; gap: 6px; min-width: 140px; }
        .kv vaadin-progress-bar { width: 80px; }
        .stale { color: var(--lumo-error-text-color); }
        .muted { color: var(--lumo-secondary-text-color); }
    `;

    static properties = {
        _endpoints: { state: true },
        _pools: { state: true },
    };

    connectedCallback() {
        super.connectedCallback();
        this._load();
        this._timer = setInterval(() => this._load(), 1000);
    }

    disconnectedCallback() {
        clearInterval(this._timer);
        super.disconnectedCallback();
    }

    _load() {
        this.jsonRpc.getEndpoints().then(r => { this._endpoints = r.result; });
        this.jsonRpc.getPools().then(r => { this._pools = r.result; });
    }

    render() {
        if (!this._endpoints) {
            return html`<span class="muted">Loading endpoints...</span>`;
        }
        // pools with their models and conditions (why a pool's last configuration was refused), once there are
        // several or one has something to say
        const pools = this._pools || [];
        const poolGrid = pools.length > 1 || pools.some(p => p.condition) ? html`
            <vaadin-grid .items="${pools}" theme="row-stripes" all-rows-visible>
                <vaadin-grid-column header="Pool" path="name" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Models" auto-width ${columnBodyRenderer(p => html`${p.models.length ? p.models.join(', ') : html`<span class="muted">any</span>`}`, [])}></vaadin-grid-column>
                <vaadin-grid-column header="Endpoints" path="endpoints" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Condition" auto-width ${columnBodyRenderer(p => html`<span class="${p.condition ? 'stale' : 'muted'}">${p.condition || 'ok'}</span>`, [])}></vaadin-grid-column>
            </vaadin-grid>` : '';
        if (this._endpoints.length === 0) {
            return html`${poolGrid}<span class="muted">No endpoint: configure quarkus.llmd.endpoints, let Dev Services
                start the simulated fleet, or wait for discovery.</span>`;
        }
        return html`
            ${poolGrid}
            <vaadin-grid .items="${this._endpoints}" theme="row-stripes" all-rows-visible>
                <vaadin-grid-column header="Pool" path="pool" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Name" path="name" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Address" path="address" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Role" path="role" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Accelerator" path="accelerator" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Waiting" path="waiting" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Running" path="running" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="KV cache" auto-width ${columnBodyRenderer(e => this._kv(e), [])}></vaadin-grid-column>
                <vaadin-grid-column header="Metrics age" auto-width ${columnBodyRenderer(e => this._age(e), [])}></vaadin-grid-column>
            </vaadin-grid>`;
    }

    _kv(e) {
        const pct = (e.kvCacheUsage * 100).toFixed(1);
        return html`<span class="kv"><vaadin-progress-bar value="${e.kvCacheUsage}"></vaadin-progress-bar>${pct}%</span>`;
    }

    _age(e) {
        if (!e.scraped) {
            return html`<span class="muted">never scraped</span>`;
        }
        const text = e.metricsAgeMillis < 1000 ? `${e.metricsAgeMillis} ms` : `${(e.metricsAgeMillis / 1000).toFixed(1)} s`;
        return html`<span class="${e.metricsAgeMillis > 5000 ? 'stale' : ''}">${text}</span>`;
    }
}
customElements.define('qwc-llmd-endpoints', QwcLlmdEndpoints);
