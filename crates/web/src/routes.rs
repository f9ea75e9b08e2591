//! Building the routers while recording every (method, path) they register.
//!
//! The API's and the pages' routers are written as usual (`.route(path, get(h).post(h2))`), but
//! with [`Routes`] and this module's [`get`], [`post`], [`put`], [`patch`] and [`delete`] in
//! place of axum's: each call registers the handler with axum *and* records the method, so the
//! server knows its own route list. The access policy (`access::policy`) is checked against that
//! list: a unit test fails when a registered route has no rule or a rule names no route, the
//! role × route matrix of the integration tests is generated from it, and at run time a route
//! without a rule is refused for everyone. A new route therefore cannot be forgotten.
//! Rejected alternative: reading the methods back out of axum's `MethodRouter` (its `Debug`
//! output), which axum does not promise to keep.

use std::convert::Infallible;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, Route};
use tower::{Layer, Service};

use crate::state::AppState;

/// The handlers of one path, with the methods they answer.
#[derive(Debug)]
pub struct Methods {
    router: MethodRouter<AppState>,
    methods: Vec<Method>,
}

macro_rules! method {
    ($name:ident, $method:ident) => {
        /// Routes this method of the path to `handler` (recorded).
        pub fn $name<H, T>(handler: H) -> Methods
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            Methods {
                router: axum::routing::$name(handler),
                methods: vec![Method::$method],
            }
        }

        impl Methods {
            /// Adds this method's handler to the path (recorded).
            pub fn $name<H, T>(mut self, handler: H) -> Methods
            where
                H: Handler<T, AppState>,
                T: 'static,
            {
                self.router = self.router.$name(handler);
                self.methods.push(Method::$method);
                self
            }
        }
    };
}

method!(get, GET);
method!(post, POST);
method!(put, PUT);
method!(patch, PATCH);
method!(delete, DELETE);

impl Methods {
    /// Wraps the path's handlers in `layer` (a body limit), as `MethodRouter::layer`.
    pub fn layer<L>(self, layer: L) -> Methods
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        Methods {
            router: self.router.layer(layer),
            methods: self.methods,
        }
    }
}

/// One registered route: its method and its path pattern as axum matches it
/// (`/api/campaigns/{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: Method,
    pub path: String,
}

/// A router that records the routes it registers.
#[derive(Debug)]
pub struct Routes {
    router: Router<AppState>,
    entries: Vec<RouteEntry>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            entries: Vec::new(),
        }
    }

    /// Registers `methods` at `path`, as `Router::route`.
    pub fn route(mut self, path: &str, methods: Methods) -> Routes {
        self.entries
            .extend(methods.methods.into_iter().map(|method| RouteEntry {
                method,
                path: path.to_owned(),
            }));
        self.router = self.router.route(path, methods.router);
        self
    }

    /// Mounts `other` under `prefix`, as `Router::nest`.
    pub fn nest(mut self, prefix: &str, other: Routes) -> Routes {
        self.entries
            .extend(other.entries.into_iter().map(|e| RouteEntry {
                method: e.method,
                path: format!("{prefix}{}", e.path),
            }));
        self.router = self.router.nest(prefix, other.router);
        self
    }

    /// Adds `other`'s routes, as `Router::merge`.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.entries.extend(other.entries);
        self.router = self.router.merge(other.router);
        self
    }

    /// Wraps every route registered so far in `layer`, as `Router::layer`.
    pub fn layer<L>(self, layer: L) -> Routes
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        Routes {
            router: self.router.layer(layer),
            entries: self.entries,
        }
    }

    /// The routes recorded, in registration order.
    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }

    /// The axum router and the routes recorded.
    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteEntry>) {
        (self.router, self.entries)
    }
}
