package io.quarkiverse.llmd.deployment.devui;

import io.quarkiverse.llmd.runtime.devui.DecisionLog;
import io.quarkiverse.llmd.runtime.devui.LlmdJsonRpcService;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.IsDevelopment;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.BuildSteps;
import io.quarkus.devui.spi.JsonRPCProvidersBuildItem;
import io.quarkus.devui.spi.page.CardPageBuildItem;
import io.quarkus.devui.spi.page.Page;

/** The Dev UI card "llm-d scheduler": Endpoints, Profiles and Last decisions pages over a JSON-RPC service. */
@BuildSteps(onlyIf = IsDevelopment.class)
public class LlmdDevUiProcessor {

    @BuildStep
    CardPageBuildItem card() {
        CardPageBuildItem card = new CardPageBuildItem();
        card.addPage(Page.webComponentPageBuilder()
                .title("Endpoints")
                .icon("font-awesome-solid:server")
                .componentLink("qwc-llmd-endpoints.js")
                .dynamicLabelJsonRPCMethodName("getEndpointCount"));
        card.addPage(Page.webComponentPageBuilder()
                .title("Profiles")
                .icon("font-awesome-solid:sliders")
                .componentLink("qwc-llmd-profiles.js"));
        card.addPage(Page.webComponentPageBuilder()
                .title("Last decisions")
                .icon("font-awesome-solid:route")
                .componentLink("qwc-llmd-decisions.js"));
        return card;
    }

    @BuildStep
    JsonRPCProvidersBuildItem jsonRpcService() {
        return new JsonRPCProvidersBuildItem(LlmdJsonRpcService.class);
    }

    @BuildStep
    AdditionalBeanBuildItem decisionLog() {
        return AdditionalBeanBuildItem.unremovableOf(DecisionLog.class);
    }
}
