import { useQueryClient } from "@tanstack/react-query";
import { Link, Redirect, Route, Router, Switch } from "wouter";
import { Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { enumWord } from "./format.js";
import { CategoriesPage } from "./pages/categories.js";
import { LowStockPage } from "./pages/low-stock.js";
import { MyOrderPage, MyOrdersPage } from "./pages/my-orders.js";
import { OffersPage } from "./pages/offers.js";
import { OrderBoardPage } from "./pages/order-board.js";
import { OrderDetailPage } from "./pages/order-detail.js";
import { OrdersPage } from "./pages/orders.js";
import { PartnersPage } from "./pages/partners.js";
import { ProductDetailPage } from "./pages/product-detail.js";
import { ProductsPage } from "./pages/products.js";
import { PurchasesPage } from "./pages/purchases.js";
import { SalesPage } from "./pages/sales.js";
import { ShopPage } from "./pages/shop.js";
import { SignInPage } from "./pages/sign-in.js";
import { UsersPage } from "./pages/users.js";
import { WebhooksPage } from "./pages/webhooks.js";
import { useSession } from "./session.js";

/**
 * The pages each role sees: an admin runs the shop, a customer shops, partners see their purchases (and offices
 * their webhooks). The server enforces the same split on every RPC.
 */
const ADMIN_NAV = [
  ["/products", "Products"],
  ["/categories", "Categories"],
  ["/low-stock", "Low stock"],
  ["/orders", "Orders"],
  ["/board", "Live board"],
  ["/users", "Users"],
  ["/partners", "Partners"],
  ["/purchases", "Purchases"],
  ["/webhooks", "Webhooks"],
  ["/offers", "Offers"],
  ["/sales", "Sales"],
] as const;
const OFFICE_NAV = [
  ["/purchases", "Purchases"],
  ["/webhooks", "Webhooks"],
] as const;
const MANUFACTURER_NAV = [["/purchases", "Purchases"]] as const;
const CUSTOMER_NAV = [
  ["/shop", "Shop"],
  ["/my-orders", "My orders"],
] as const;

export function App() {
  const session = useSession();
  const queryClient = useQueryClient();
  const user = session.user;
  if (!user) return <SignInPage />;
  const nav: ReadonlyArray<readonly [string, string]> =
    user.role === Role.ADMIN
      ? ADMIN_NAV
      : user.role === Role.REGIONAL_OFFICE
        ? OFFICE_NAV
        : user.role === Role.MANUFACTURER
          ? MANUFACTURER_NAV
          : CUSTOMER_NAV;
  return (
    <Router base="/console">
      <header className="top">
        <strong className="brand">Shopfloor</strong>
        <nav aria-label="main">
          {nav.map(([href, label]) => (
            <Link key={href} href={href} className={(active) => (active ? "active" : "")}>
              {label}
            </Link>
          ))}
        </nav>
        <span className="who">
          {user.username} · {enumWord(Role[user.role])}
        </span>
        <button
          type="button"
          onClick={() => {
            queryClient.clear();
            void session.signOut();
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {session.isAdmin ? (
          <Switch>
            <Route path="/products" component={ProductsPage} />
            <Route path="/products/:id" component={ProductDetailPage} />
            <Route path="/categories" component={CategoriesPage} />
            <Route path="/low-stock" component={LowStockPage} />
            <Route path="/orders" component={OrdersPage} />
            <Route path="/orders/:id" component={OrderDetailPage} />
            <Route path="/board" component={OrderBoardPage} />
            <Route path="/users" component={UsersPage} />
            <Route path="/partners" component={PartnersPage} />
            <Route path="/purchases" component={PurchasesPage} />
            <Route path="/webhooks" component={WebhooksPage} />
            <Route path="/offers" component={OffersPage} />
            <Route path="/sales" component={SalesPage} />
            <Route>
              <Redirect to="/products" />
            </Route>
          </Switch>
        ) : user.role === Role.REGIONAL_OFFICE || user.role === Role.MANUFACTURER ? (
          <Switch>
            <Route path="/purchases" component={PurchasesPage} />
            {user.role === Role.REGIONAL_OFFICE ? <Route path="/webhooks" component={WebhooksPage} /> : null}
            <Route>
              <Redirect to="/purchases" />
            </Route>
          </Switch>
        ) : (
          <Switch>
            <Route path="/shop" component={ShopPage} />
            <Route path="/my-orders" component={MyOrdersPage} />
            <Route path="/my-orders/:id" component={MyOrderPage} />
            <Route>
              <Redirect to="/shop" />
            </Route>
          </Switch>
        )}
      </main>
    </Router>
  );
}
