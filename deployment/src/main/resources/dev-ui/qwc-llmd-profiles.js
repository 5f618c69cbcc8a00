import { LitElement, html, css } from 'lit';
import { JsonRpc } from 'jsonrpc';
import '@vaadin/grid';

/** The effective EndpointPickerConfig: profile handler, profiles (filters, weighted scorers, picker) and plugins. */
export class QwcLlmdProfiles extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = css`
        :host { display: flex; flex-direction: column; gap: 12px; padding: 8px; }
        h3 { margin: 4px 0; }
        .muted { color: var(--lumo-secondary-text-color); }
        code { font-size: var(--lumo-font-size-s); }
    `;

    static properties = {
        _config: { state: true },
    };

    connectedCallback() {
        super.connectedCallback();
        this.jsonRpc.getProfiles().then(r => { this._config = r.result; });
    }

    render() {
        if (!this._config) {
            return html`<span class="muted">Loading configuration...</span>`;
        }
        const c = this._config;
        return html`
            <div><b>apiVersion</b> <code>${c.apiVersion}</code> &middot; <b>profile handler</b> <code>${c.profileHandler}</code>
                ${c.featureGates.length ? html`&middot; <b>feature gates</b> ${c.featureGates.join(', ')}` : ''}</div>
            ${c.profiles.map(p => html`
                <div>
                    <h3>Profile <code>${p.name}</code></h3>
                    <div><b>filters</b> ${p.filters.length ? p.filters.join(' \u2192 ') : html`<span class="muted">none</span>`}
                        &middot; <b>picker</b> <code>${p.picker}</code></div>
                    <vaadin-grid .items="${p.scorers}" theme="compact row-stripes" all-rows-visible>
                        <vaadin-grid-column header="Scorer" path="name" auto-width></vaadin-grid-column>
                        <vaadin-grid-column header="Type" path="type" auto-width></vaadin-grid-column>
                        <vaadin-grid-column header="Weight" path="weight" auto-width></vaadin-grid-column>
                        <vaadin-grid-column header="Category" path="category" auto-width></vaadin-grid-column>
                    </vaadin-grid>
                </div>`)}
            <h3>Plugins</h3>
            <vaadin-grid .items="${c.plugins}" theme="compact row-stripes" all-rows-visible>
                <vaadin-grid-column header="Name" path="name" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Type" path="type" auto-width></vaadin-grid-column>
                <vaadin-grid-column header="Parameters" path="parameters"></vaadin-grid-column>
                <vaadin-grid-column header="Defaulted" path="defaulted" auto-width></vaadin-grid-column>
            </vaadin-grid>`;
    }
}
customElements.define('qwc-llmd-profiles', QwcLlmdProfiles);
