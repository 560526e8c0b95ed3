//! The tables of tools, resources and prompts. Requests read a snapshot (`Arc<Tables>`);
//! changes at run time build a new snapshot and tell every session.

use super::{PromptDef, ResourceDef, ToolDef};
use foldhash::fast::RandomState;
use std::collections::HashMap;

/// One consistent view of what the server offers.
#[derive(Clone, Default)]
pub(crate) struct Tables {
    pub(crate) tools: Vec<ToolDef>,
    pub(crate) tool_index: HashMap<String, usize, RandomState>,
    pub(crate) static_resources: Vec<ResourceDef>,
    pub(crate) templates: Vec<ResourceDef>,
    pub(crate) prompts: Vec<PromptDef>,
    pub(crate) prompt_index: HashMap<String, usize, RandomState>,
}

impl Tables {
    pub(crate) fn new(
        tools: Vec<ToolDef>,
        resources: Vec<ResourceDef>,
        prompts: Vec<PromptDef>,
    ) -> Self {
        let (templates, static_resources) =
            resources.into_iter().partition(ResourceDef::is_template);
        let mut t = Tables {
            tools,
            static_resources,
            templates,
            prompts,
            ..Tables::default()
        };
        t.reindex();
        t
    }

    pub(crate) fn reindex(&mut self) {
        self.tool_index = self
            .tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.tool.name.clone(), i))
            .collect();
        self.prompt_index = self
            .prompts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.prompt.name.clone(), i))
            .collect();
    }

    pub(crate) fn tool(&self, name: &str) -> Option<&ToolDef> {
        self.tool_index.get(name).map(|&i| &self.tools[i])
    }

    pub(crate) fn prompt(&self, name: &str) -> Option<&PromptDef> {
        self.prompt_index.get(name).map(|&i| &self.prompts[i])
    }

    pub(crate) fn template(&self, uri_template: &str) -> Option<&ResourceDef> {
        self.templates
            .iter()
            .find(|t| t.template.as_str() == uri_template)
    }

    /// Removes the resource or template with this URI template; true when there was one.
    pub(crate) fn remove_resource(&mut self, uri_template: &str) -> bool {
        let before = self.static_resources.len() + self.templates.len();
        self.static_resources
            .retain(|x| x.template.as_str() != uri_template);
        self.templates
            .retain(|x| x.template.as_str() != uri_template);
        self.static_resources.len() + self.templates.len() != before
    }

    /// True when some argument or variable can be completed.
    pub(crate) fn completable(&self) -> bool {
        self.prompts.iter().any(|p| !p.completers.is_empty())
            || self.templates.iter().any(|t| !t.completers.is_empty())
    }
}
