import { useQueryClient } from "@tanstack/react-query";
import { Link, Redirect, Route, Router, Switch } from "wouter";
import { Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { enumWord } from "./format.js";
import { CategoriesPage } from "./pages/categories.js";
import { LowStockPage } from "./pages/low-stock.js";
import { MyOrderPage, MyOrdersPage } from "./pages/my-orders.js";
import { OrderBoardPage } from "./pages/order-board.js";
import { OrderDetailPage } from "./pages/order-detail.js";
import { OrdersPage } from "./pages/orders.js";
import { ProductDetailPage } from "./pages/product-detail.js";
import { ProductsPage } from "./pages/products.js";
import { ShopPage } from "./pages/shop.js";
import { SignInPage } from "./pages/sign-in.js";
import { UsersPage } from "./pages/users.js";
import { useSession } from "./session.js";

/** The pages an admin sees; a customer sees the storefront. The server enforces the same split on every RPC. */
const ADMIN_NAV = [
  ["/products", "Products"],
  ["/categories", "Categories"],
  ["/low-stock", "Low stock"],
  ["/orders", "Orders"],
  ["/board", "Live board"],
  ["/users", "Users"],
] as const;
const CUSTOMER_NAV = [
  ["/shop", "Shop"],
  ["/my-orders", "My orders"],
] as const;

export function App() {
  const session = useSession();
  const queryClient = useQueryClient();
  const user = session.user;
  if (!user) return <SignInPage />;
  const nav = session.isAdmin ? ADMIN_NAV : CUSTOMER_NAV;
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
            <Route>
              <Redirect to="/products" />
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
